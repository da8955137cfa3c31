import { Hono } from 'hono';
import type pg from 'pg';
import { GATEWAY_READY_PATH } from '../../crds/agent.ts';
import type { PlatformKeys } from '../identity/platform-keys.ts';
import type { Metrics } from '../metrics.ts';
import { limitUnauthenticated, type UnauthenticatedLimit } from '../middleware/auth/index.ts';
import { fail } from '../middleware/problem/index.ts';

/**
 * Unauthenticated endpoints: probes and metrics (for the kubelet and Prometheus, not limited), and the platform
 * issuer's public keys (limited per client address like every other unauthenticated request).
 */
export function operationsRoutes(deps: {
  pool: Pick<pg.Pool, 'query'>;
  metrics: Metrics;
  platformKeys: PlatformKeys;
  unauthenticated?: UnauthenticatedLimit;
}) {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get(GATEWAY_READY_PATH, async (c) => {
    try {
      await deps.pool.query('SELECT 1');
    } catch {
      fail(503, 'The database is not reachable.');
    }
    return c.json({ status: 'ready' });
  });

  app.get('/metrics', async (c) =>
    c.text(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType }),
  );

  app.get('/.well-known/jwks.json', async (c) => {
    await limitUnauthenticated(c, deps.unauthenticated);
    return c.json(await deps.platformKeys.jwks(), 200, { 'Cache-Control': 'public, max-age=60' });
  });

  return app;
}
