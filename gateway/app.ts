import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { secureHeaders } from 'hono/secure-headers';
import type pg from 'pg';
import type { PlatformKeys } from './identity/platform-keys.ts';
import type { Verify } from './identity/verifier.ts';
import type { Metrics } from './metrics.ts';
import { httpMetrics } from './middleware/metrics/index.ts';
import { notFound, problemHandler } from './middleware/problem/index.ts';
import { openApiDocument } from './openapi.ts';
import type { DepartmentClient } from './provisioning/department-client.ts';
import type { LimitFor } from './rate-limit/department-limits.ts';
import type { PgRateLimiter } from './rate-limit/store.ts';
import { crossDeptRoutes } from './routes/cross-dept.ts';
import { operationsRoutes } from './routes/operations.ts';
import { provisioningRoutes } from './routes/provisioning.ts';

/** Everything the gateway talks to, injected so tests build the app with no server. */
export interface GatewayDeps {
  /** Connects as the gateway's login role (a member of cross_dept_query_role). */
  pool: pg.Pool;
  verify: Verify;
  platformKeys: PlatformKeys;
  metrics: Metrics;
  limiter: PgRateLimiter;
  limitFor: LimitFor;
  departments: DepartmentClient;
  provisioningPerHour?: number;
  /** Where unexpected errors go (a logger); the client only ever sees a bare 500. */
  reportError?: (err: unknown) => void;
}

const started = createMiddleware<{ Variables: { startedAt: number } }>(async function started(c, next) {
  c.set('startedAt', performance.now());
  await next();
});

export function createApp(deps: GatewayDeps) {
  const app = new Hono();
  app.use(started, httpMetrics({ metrics: deps.metrics }), secureHeaders());
  app.route('/', operationsRoutes(deps));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.route('/api/v1/cross-dept', crossDeptRoutes(deps));
  app.route('/api/v1', provisioningRoutes({ ...deps, provisioningPerHour: deps.provisioningPerHour ?? 5 }));
  app.notFound(notFound);
  app.onError(problemHandler(deps.reportError));
  return app;
}
