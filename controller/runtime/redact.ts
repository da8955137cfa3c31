const REDACTED = '[REDACTED]';

/**
 * Removes credentials from a message before it reaches a log, a condition or an Event: every value in
 * `secretValues` (the Secrets the caller read; values under 4 characters are left alone, as hiding them would
 * blank ordinary words), the user and password of any URL, bearer tokens and key=value secrets.
 */
export function redactSecrets(message: string, secretValues: readonly string[] = []): string {
  let out = message;
  for (const value of [...secretValues].sort((a, b) => b.length - a.length)) {
    if (value.length >= 4) out = out.split(value).join(REDACTED);
  }
  return out
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^@\s]+@/gi, `$1${REDACTED}@`)
    .replace(/(bearer\s+)[a-z0-9._~+/=-]+/gi, `$1${REDACTED}`)
    .replace(/((?:password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, `$1${REDACTED}`);
}
