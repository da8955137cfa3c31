import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Identity } from '../../identity/identity.ts';
import { TokenRejected, type Verify } from '../../identity/verifier.ts';
import type { Metrics } from '../../metrics.ts';
import type { PgRateLimiter } from '../../rate-limit/store.ts';
import { fail } from '../problem/index.ts';
import { refuse } from '../rate-limit/index.ts';

export type AuthVariables = { identity: Identity };

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="federation", error="invalid_token"' };

/** Requests without a valid token, limited per client address (probing, brute force, floods). */
export interface UnauthenticatedLimit {
  limiter: PgRateLimiter;
  metrics: Metrics;
  perMinute: number;
  address: (c: Context) => string;
}

/** The source an unauthenticated request is counted under in the audit trail (never a department id). */
export const UNAUTHENTICATED = '(unauthenticated)';

/** Counts a request that has no valid token against its address; over the limit, answers 429 instead of 401. */
export async function limitUnauthenticated(c: Context, limit: UnauthenticatedLimit | undefined): Promise<void> {
  if (!limit) return;
  const decision = await limit.limiter.hit(`unauthenticated:${limit.address(c)}`, limit.perMinute, 60, {
    source: UNAUTHENTICATED,
    scope: 'unauthenticated',
  });
  if (!decision.allowed) {
    limit.metrics.rateLimited.inc({ scope: 'unauthenticated' });
    refuse('unauthenticated', decision);
  }
}

/** Requires a valid bearer token; sets `identity`. */
export function bearerAuth(opts: { verify: Verify; maxHeaderBytes?: number; unauthenticated?: UnauthenticatedLimit }) {
  const maxHeaderBytes = opts.maxHeaderBytes ?? 8192;
  return createMiddleware<{ Variables: AuthVariables }>(async function bearerAuth(c, next) {
    const refused = async (status: 401 | 431, message: string, headers?: Record<string, string>): Promise<never> => {
      await limitUnauthenticated(c, opts.unauthenticated);
      fail(status, message, headers);
    };
    const header = c.req.header('authorization');
    if (!header)
      return refused(401, 'A bearer token is required.', { 'WWW-Authenticate': 'Bearer realm="federation"' });
    if (header.length > maxHeaderBytes) return refused(431, 'The Authorization header is too large.');
    const match = /^Bearer ([^\s]+)$/.exec(header);
    if (!match) return refused(401, 'The Authorization header must be "Bearer <token>".', CHALLENGE);
    let identity: Identity;
    try {
      identity = await opts.verify(match[1] as string);
    } catch (err) {
      if (err instanceof TokenRejected) return refused(401, `Invalid token: ${err.message}.`, CHALLENGE);
      throw err;
    }
    c.set('identity', identity);
    await next();
  });
}

/** Refuses (403) an authenticated caller without one of `roles`; runs after the audit so refusals are audited. */
export function requireRole(roles: Identity['role'][]) {
  return createMiddleware<{ Variables: AuthVariables }>(async function requireRole(c, next) {
    if (!roles.includes(c.var.identity.role)) fail(403, `This operation requires the ${roles.join(' or ')} role.`);
    await next();
  });
}
