export interface TokenBucketOptions {
  /** Tokens added per second: the sustained request rate. */
  qps: number;
  /** How many tokens the bucket holds: the requests admitted at once after a quiet spell. */
  burst: number;
  /** The clock, in milliseconds. */
  now?: () => number;
}

/**
 * client-go's token-bucket rate limiter (flowcontrol.NewTokenBucketRateLimiter, golang.org/x/time/rate): the bucket
 * starts full with `burst` tokens and refills at `qps` per second up to `burst`. Every request takes one token;
 * when none is left it reserves the next one and waits for it, so waiting requests go in arrival order.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly now: () => number;

  constructor(private readonly opts: TokenBucketOptions) {
    if (!(opts.qps > 0)) throw new Error(`a token bucket needs qps > 0 (got ${opts.qps})`);
    if (!(opts.burst >= 1)) throw new Error(`a token bucket needs burst >= 1 (got ${opts.burst})`);
    this.now = opts.now ?? Date.now;
    this.tokens = opts.burst;
    this.last = this.now();
  }

  /** Takes a token and returns how many milliseconds the caller must wait before it may act. */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.opts.qps) * 1000;
  }

  /** Waits for a token; resolves with the seconds waited. An abort returns the reserved token and rejects. */
  async wait(signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const start = this.now();
    const delayMs = this.reserve();
    if (delayMs === 0) return 0;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        this.tokens = Math.min(this.opts.burst, this.tokens + 1);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delayMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return (this.now() - start) / 1000;
  }
}
