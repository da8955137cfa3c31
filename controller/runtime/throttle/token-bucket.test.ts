import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

/** A clock the test moves by hand. */
function manualClock() {
  let now = 1_000_000;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('does admit a burst at once, then one request per 1/qps, each waiting in arrival order', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 4, burst: 3, now: clock.now });
    expect([1, 2, 3].map(() => bucket.reserve())).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBe(250);
    expect(bucket.reserve()).toBe(500);
    expect(bucket.reserve()).toBe(750);
  });

  it('does refill at qps, never beyond the burst', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 10, burst: 5, now: clock.now });
    for (let i = 0; i < 5; i++) bucket.reserve();
    clock.advance(200); // two tokens back
    expect([bucket.reserve(), bucket.reserve()]).toEqual([0, 0]);
    expect(bucket.reserve()).toBe(100);
    clock.advance(60_000); // a quiet minute refills to the burst, not to 600
    expect(Array.from({ length: 5 }, () => bucket.reserve())).toEqual([0, 0, 0, 0, 0]);
    expect(bucket.reserve()).toBe(100);
  });

  it('does hold a stream of requests to qps after the burst', async () => {
    const bucket = new TokenBucket({ qps: 50, burst: 5 });
    const start = performance.now();
    const waited = await Promise.all(Array.from({ length: 15 }, () => bucket.wait()));
    // 15 requests, 5 at once, the other 10 at 50 per second: at least 200 ms.
    expect(performance.now() - start).toBeGreaterThanOrEqual(195);
    expect(waited.filter((s) => s === 0)).toHaveLength(5);
    expect(Math.max(...waited)).toBeGreaterThanOrEqual(0.195);
  });

  it('does give the token back when a waiting request is aborted', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1, now: clock.now });
    await bucket.wait();
    const abort = new AbortController();
    const waiting = bucket.wait(abort.signal);
    abort.abort(new Error('request cancelled'));
    await expect(waiting).rejects.toThrow('request cancelled');
    // The aborted request's token is free again: the next waits one interval, not two.
    expect(bucket.reserve()).toBe(1000);
  });

  it('does refuse a rate or burst it cannot serve', () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow('qps > 0');
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow('burst >= 1');
  });
});
