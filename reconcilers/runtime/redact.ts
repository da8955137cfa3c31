/** Replaces every secret value (and the password of any URL) in a message with ****. */
export function redact(message: string, secretValues: string[]): string {
  let out = message.replace(/(\w+:\/\/[^:/\s@]+:)[^@\s]+@/g, '$1****@');
  for (const value of [...secretValues].sort((a, b) => b.length - a.length)) {
    if (value.length >= 4) out = out.split(value).join('****');
  }
  return out;
}

/** The lines of an engine failure a user can act on, redacted and bounded. */
export function engineFailure(error: unknown, secretValues: string[]): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /error:|failed|Railway/i.test(l));
  const summary = [...new Set(lines)].slice(-6).join('\n') || text.slice(-600);
  return redact(summary, secretValues).slice(0, 2000);
}
