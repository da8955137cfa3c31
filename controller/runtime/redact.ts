/** Removes credentials that may hide in an error message (URLs with passwords, bearer tokens, key=value secrets). */
export function redactSecrets(message: string): string {
  return message
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^@\s]+@/gi, '$1[REDACTED]@')
    .replace(/(bearer\s+)[a-z0-9._~+/=-]+/gi, '$1[REDACTED]')
    .replace(/((?:password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1[REDACTED]');
}
