import { Hono } from 'hono';
import type pg from 'pg';
import type { PlatformKeys } from '../identity/platform-keys.ts';
import type { Metrics } from '../metrics.ts';
import { fail } from '../middleware/problem/index.ts';

/** Unauthenticated endpoints: probes, metrics and the platform issuer's public keys. */
export function operationsRoutes(deps: { pool: Pick<pg.Pool, 'query'>; metrics: Metrics; platformKeys: PlatformKeys }) {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
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

  app.get('/.well-known/jwks.json', async (c) =>
    c.json(await deps.platformKeys.jwks(), 200, { 'Cache-Control': 'public, max-age=60' }),
  );

  return app;
}
