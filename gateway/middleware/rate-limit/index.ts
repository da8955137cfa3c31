import { createMiddleware } from 'hono/factory';
import type { Metrics } from '../../metrics.ts';
import type { PgRateLimiter, RateLimitDecision } from '../../rate-limit/store.ts';
import type { AuditVariables } from '../audit/index.ts';
import { fail } from '../problem/index.ts';

export type RateLimitVariables = AuditVariables & { rateLimit: RateLimitDecision };

export interface RateLimitOptions {
  limiter: PgRateLimiter;
  metrics: Metrics;
  /** Names the policy in the headers and the metric (e.g. cross-dept, provisioning). */
  scope: string;
  windowSeconds: number;
  limit: (c: { var: AuditVariables }) => Promise<number> | number;
  /** The bucket key; by default the caller's department. */
  key?: (c: { var: AuditVariables }) => string;
}

/** IETF RateLimit-Policy / RateLimit fields (draft-ietf-httpapi-ratelimit-headers). */
export function rateLimitHeaders(scope: string, d: RateLimitDecision): Record<string, string> {
  return {
    'RateLimit-Policy': `"${scope}";q=${d.limit};w=${d.windowSeconds}`,
    RateLimit: `"${scope}";r=${d.remaining};t=${d.resetSeconds}`,
  };
}

/** Throws the 429 of a refused decision (with Retry-After and the RateLimit fields). */
export function refuse(scope: string, decision: RateLimitDecision): never {
  fail(429, `Rate limit of ${decision.limit} requests per ${decision.windowSeconds} s exceeded.`, {
    ...rateLimitHeaders(scope, decision),
    'Retry-After': String(decision.resetSeconds),
  });
}

/**
 * A sliding-window limit per key; over the limit answers 429 with Retry-After and runs nothing. A refused
 * request writes no audit row of its own: the limiter counted it, and the count reaches the trail as one row
 * per caller and minute.
 */
export function rateLimit(opts: RateLimitOptions) {
  return createMiddleware<{ Variables: RateLimitVariables }>(async function rateLimit(c, next) {
    const key = opts.key?.(c) ?? c.var.identity.department;
    const decision = await opts.limiter.hit(`${opts.scope}:${key}`, await opts.limit(c), opts.windowSeconds, {
      source: c.var.identity.department,
      scope: opts.scope,
    });
    if (!decision.allowed) {
      opts.metrics.rateLimited.inc({ scope: opts.scope });
      c.var.audit.written = true; // counted by the limiter instead
      refuse(opts.scope, decision);
    }
    c.set('rateLimit', decision);
    await next();
    for (const [k, v] of Object.entries(rateLimitHeaders(opts.scope, decision))) c.res.headers.set(k, v);
  });
}
