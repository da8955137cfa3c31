import { createMiddleware } from 'hono/factory';
import type { Identity } from '../../identity/identity.ts';
import { TokenRejected, type Verify } from '../../identity/verifier.ts';
import { fail } from '../problem/index.ts';

export type AuthVariables = { identity: Identity };

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="federation", error="invalid_token"' };

/** Requires a valid bearer token; sets `identity`. */
export function bearerAuth(opts: { verify: Verify; maxHeaderBytes?: number }) {
  const maxHeaderBytes = opts.maxHeaderBytes ?? 8192;
  return createMiddleware<{ Variables: AuthVariables }>(async function bearerAuth(c, next) {
    const header = c.req.header('authorization');
    if (!header) fail(401, 'A bearer token is required.', { 'WWW-Authenticate': 'Bearer realm="federation"' });
    if (header.length > maxHeaderBytes) fail(431, 'The Authorization header is too large.');
    const match = /^Bearer ([^\s]+)$/.exec(header);
    if (!match) fail(401, 'The Authorization header must be "Bearer <token>".', CHALLENGE);
    let identity: Identity;
    try {
      identity = await opts.verify(match[1] as string);
    } catch (err) {
      if (err instanceof TokenRejected) fail(401, `Invalid token: ${err.message}.`, CHALLENGE);
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
