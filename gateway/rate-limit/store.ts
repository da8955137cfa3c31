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

/**
 * Sliding-window limits shared by every gateway replica: one call of federation.rate_limit_hit (migration
 * 0007) per request, which locks the bucket, counts the requests admitted in the window ending now and
 * admits or refuses; a refusal is counted for the audit trail in the same call. No stretch of the window's
 * length ever admits more than the limit, across replicas and window edges.
 */
export class PgRateLimiter {
  constructor(private readonly db: Queryable) {}

  async hit(bucket: string, limit: number, windowSeconds: number, who: RateLimitSubject): Promise<RateLimitDecision> {
    const { rows } = await this.db.query<{ allowed: boolean; hits: number; reset_seconds: number }>({
      name: 'rate-limit-hit',
      text: 'SELECT allowed, hits, reset_seconds FROM federation.rate_limit_hit($1, $2, $3, $4, $5)',
      values: [bucket.slice(0, 200), limit, windowSeconds, who.source.slice(0, 100), who.scope.slice(0, 30)],
    });
    const { allowed, hits, reset_seconds } = rows[0] as { allowed: boolean; hits: number; reset_seconds: number };
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - hits),
      resetSeconds: Math.max(1, reset_seconds),
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
