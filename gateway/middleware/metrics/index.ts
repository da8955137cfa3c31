import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { Metrics } from '../../metrics.ts';

/** Counts and times every request by its route pattern (so no id or token ever becomes a label). */
export function httpMetrics(opts: { metrics: Metrics }) {
  return createMiddleware(async function httpMetrics(c, next) {
    const start = performance.now();
    await next();
    const route = c.res.status === 404 && routePath(c, -1) === '*' ? 'unmatched' : routePath(c, -1);
    opts.metrics.requests.inc({ route, method: c.req.method, status: String(c.res.status) });
    opts.metrics.latency.observe({ route, method: c.req.method }, (performance.now() - start) / 1000);
  });
}
