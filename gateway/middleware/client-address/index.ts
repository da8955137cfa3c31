import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The address a request came from: the socket's peer, or, behind `trustedProxyHops` reverse proxies (an
 * ingress), the entry that many hops from the right of X-Forwarded-For (entries further left are whatever
 * the client wrote). `unknown` when neither is there (e.g. app.request in tests).
 */
export function clientAddress(c: Context, trustedProxyHops = 0): string {
  if (trustedProxyHops > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim());
    const entry = hops[hops.length - trustedProxyHops];
    if (entry) return entry.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
