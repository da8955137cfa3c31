import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
  windowSeconds: number;
}

/**
 * Fixed-window counters in federation.gateway_rate_limits, shared by every gateway replica: each request is
 * one atomic upsert that increments and returns the window's count, so concurrent replicas can never admit
 * more than the limit together.
 */
export class PgRateLimiter {
  constructor(private readonly db: Queryable) {}

  async hit(bucket: string, limit: number, windowSeconds: number): Promise<RateLimitDecision> {
    const { rows } = await this.db.query<{ hits: number; reset: number }>(
      `INSERT INTO federation.gateway_rate_limits AS r (bucket, window_start, hits)
       VALUES ($1, date_bin(make_interval(secs => $2), now(), timestamptz 'epoch'), 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
       RETURNING hits, ceil(extract(epoch FROM r.window_start + make_interval(secs => $2) - now()))::int AS reset`,
      [bucket, windowSeconds],
    );
    const { hits, reset } = rows[0] as { hits: number; reset: number };
    return {
      allowed: hits <= limit,
      limit,
      remaining: Math.max(0, limit - hits),
      resetSeconds: Math.max(1, reset),
      windowSeconds,
    };
  }

  /** Drops windows that ended more than a day ago. */
  async sweep(): Promise<void> {
    await this.db.query("DELETE FROM federation.gateway_rate_limits WHERE window_start < now() - interval '1 day'");
  }
}
