/** Stable JSON for change detection: key order never causes a write. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** Whether a computed status equals the one the object has, so a write would change nothing. */
export function statusEqual<S extends object>(a: S | undefined, b: S): boolean {
  return canonical(a ?? {}) === canonical(b);
}
