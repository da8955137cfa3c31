import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the oldest admitted request leaves the window (a refused caller may retry then). */
  resetSeconds: number;
  windowSeconds: number;
}

/** Who a bucket's refusals are counted for in the audit trail (a department, or `(unauthenticated)`). */
export interface RateLimitSubject {
  source: string;
  scope: string;
}

/** Admissions of one bucket taken from the database and not yet handed out. */
interface Lease {
  left: number;
  /** The database's slot they were counted in; unused ones are given back to it. */
  slot: string;
  /** performance.now() past which they may no longer be used: the slot's end, measured from before the call. */
  until: number;
  limit: number;
  windowSeconds: number;
  /** The window's count and reset the database answered with when they were taken. */
  hits: number;
  resetSeconds: number;
}

/** How many admissions to take at once: one below 200 a window (every request asks the database), else 1 %, at most 100. */
export function leaseSize(limit: number): number {
  return Math.max(1, Math.min(100, Math.floor(limit / 100)));
}

/**
 * Sliding-window limits shared by every gateway replica, through federation.rate_limit_take (migration 0012),
 * which locks the bucket, counts what was admitted in the window ending now and admits or refuses; a refusal is
 * counted for the audit trail in the same call. No stretch of the window's length ever admits more than the
 * limit, across replicas and window edges.
 *
 * At limits of 200 a window and more, one call takes up to 1 % of the limit (leaseSize) and this replica hands
 * them out until the database's current slot (a 60th of the window) ends; the next call gives back what was left
 * unused. A busy department's requests then cost the database one call per lease instead of one each: the
 * bucket's row lock was the gateway's most contended point. Calls for the same bucket wait for one another here,
 * so one lease serves them all.
 */
export class PgRateLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly taking = new Map<string, Promise<void>>();

  constructor(private readonly db: Queryable) {}

  async hit(bucket: string, limit: number, windowSeconds: number, who: RateLimitSubject): Promise<RateLimitDecision> {
    const key = bucket.slice(0, 200);
    for (;;) {
      const lease = this.leases.get(key);
      if (lease && lease.left > 0 && performance.now() < lease.until) {
        if (lease.limit === limit && lease.windowSeconds === windowSeconds) {
          lease.left--;
          return {
            allowed: true,
            limit,
            remaining: Math.max(0, limit - lease.hits + lease.left),
            resetSeconds: lease.resetSeconds,
            windowSeconds,
          };
        }
      }
      const pending = this.taking.get(key);
      if (!pending) break;
      await pending;
    }
    const taking = this.take(key, limit, windowSeconds, who);
    // Those waiting look at the new lease whether this call succeeds or not; its failure is this caller's alone.
    const settled = taking.then(
      () => undefined,
      () => undefined,
    );
    this.taking.set(key, settled);
    try {
      return await taking;
    } finally {
      if (this.taking.get(key) === settled) this.taking.delete(key);
    }
  }

  /** Forgets leases whose slot has ended (their unused admissions stay counted: early refusals, never extra ones). */
  private sweep(): void {
    const now = performance.now();
    for (const [key, lease] of this.leases) if (lease.until <= now) this.leases.delete(key);
  }

  private async take(
    key: string,
    limit: number,
    windowSeconds: number,
    who: RateLimitSubject,
  ): Promise<RateLimitDecision> {
    const old = this.leases.get(key);
    this.leases.delete(key); // its unused admissions go back with this call (or are lost with it: counted, never over)
    if (this.leases.size >= 1000) this.sweep();
    const want = leaseSize(limit);
    const sentAt = performance.now();
    const { rows } = await this.db.query<{
      granted: number;
      hits: number;
      reset_seconds: number;
      slot: string;
      slot_left_ms: number;
    }>({
      name: 'rate-limit-take',
      text: 'SELECT granted, hits, reset_seconds, slot, slot_left_ms FROM federation.rate_limit_take($1, $2, $3, $4, $5, $6, $7, $8)',
      values: [
        key,
        limit,
        windowSeconds,
        want,
        old?.slot ?? null,
        old?.left ?? 0,
        who.source.slice(0, 100),
        who.scope.slice(0, 30),
      ],
    });
    const row = rows[0] as { granted: number; hits: number; reset_seconds: number; slot: string; slot_left_ms: number };
    const resetSeconds = Math.max(1, row.reset_seconds);
    if (row.granted > 1) {
      this.leases.set(key, {
        left: row.granted - 1,
        slot: row.slot,
        until: sentAt + row.slot_left_ms,
        limit,
        windowSeconds,
        hits: row.hits,
        resetSeconds,
      });
    }
    return {
      allowed: row.granted > 0,
      limit,
      remaining: Math.max(0, limit - row.hits + Math.max(0, row.granted - 1)),
      resetSeconds,
      windowSeconds,
    };
  }

  /**
   * Moves counted refusals of finished minutes (or of every minute, with `all`) into the audit trail as one
   * row per bucket and minute; returns how many rows it wrote.
   */
  async flushRefusals(all = false): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      all
        ? "SELECT federation.flush_refusals(now() + interval '1 minute') AS n"
        : 'SELECT federation.flush_refusals() AS n',
    );
    return rows[0]?.n ?? 0;
  }
}
