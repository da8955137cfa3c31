/**
 * Makes caller-supplied parameters safe to keep in a jsonb audit column: NUL characters (which jsonb refuses)
 * become U+FFFD, strings are cut at 1 KiB, nesting and collection sizes are bounded.
 */
export function sanitizeParams(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.slice(0, 1024).replaceAll('\u0000', '\uFFFD');
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (depth >= 4) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => sanitizeParams(v, depth + 1));
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).slice(0, 20);
    return Object.fromEntries(
      entries.map(([k, v]) => [sanitizeParams(k, depth + 1) as string, sanitizeParams(v, depth + 1)]),
    );
  }
  return undefined;
}
