export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Per-key exponential backoff with jitter, like client-go's ItemExponentialFailureRateLimiter. */
export class ItemBackoff {
  private readonly failures = new Map<string, number>();

  constructor(private readonly opts: BackoffOptions = { baseMs: 5, maxMs: 15 * 60_000 }) {}

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const exp = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(n, 40));
    // Up to 10% jitter so that keys failing together do not retry in lockstep.
    return Math.min(this.opts.maxMs, exp * (1 + Math.random() * 0.1));
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}
