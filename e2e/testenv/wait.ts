/**
 * Polls `probe` until it returns true, failing with `describe()` after the timeout, or at once when `gone()` says
 * that what it waits for can no longer come (a server process that exited will not start answering).
 */
export async function waitFor(
  probe: () => Promise<boolean>,
  {
    timeoutMs,
    intervalMs = 100,
    describe,
    gone = () => false,
  }: {
    timeoutMs: number;
    intervalMs?: number;
    /** The failure's message; `ended` says what ended the wait. */
    describe: (ended: 'gone' | 'timeout') => string;
    gone?: () => boolean;
  },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (gone()) throw new Error(describe('gone'));
    if (Date.now() > deadline) throw new Error(describe('timeout'));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
