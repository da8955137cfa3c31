import type { Context } from 'hono';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { secureHeaders } from 'hono/secure-headers';
import type pg from 'pg';
import type { EmbeddingProviders } from './documents/embeddings.ts';
import type { PlatformKeys } from './identity/platform-keys.ts';
import type { Verify } from './identity/verifier.ts';
import type { Metrics } from './metrics.ts';
import { limitUnauthenticated, type UnauthenticatedLimit } from './middleware/auth/index.ts';
import { clientAddress } from './middleware/client-address/index.ts';
import { httpMetrics } from './middleware/metrics/index.ts';
import { notFound, problemHandler } from './middleware/problem/index.ts';
import { openApiDocument } from './openapi.ts';
import type { DepartmentClient } from './provisioning/department-client.ts';
import type { LimitFor } from './rate-limit/department-limits.ts';
import type { PgRateLimiter } from './rate-limit/store.ts';
import { auditRoutes } from './routes/audit.ts';
import { crossDeptRoutes } from './routes/cross-dept.ts';
import { documentRoutes } from './routes/documents.ts';
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
  /** Embeddings APIs for departments' own documents, by LLM provider; none means full-text search only. */
  embeddings?: EmbeddingProviders;
  provisioningPerHour?: number;
  /** Requests without a valid token allowed per client address and minute (default 60). */
  unauthenticatedPerMinute?: number;
  /** Reverse proxies in front of the gateway whose X-Forwarded-For entry is trusted (default 0). */
  trustedProxyHops?: number;
  /** Where unexpected errors go (a logger); the client only ever sees a bare 500. */
  reportError?: (err: unknown) => void;
}

const started = createMiddleware<{ Variables: { startedAt: number } }>(async function started(c, next) {
  c.set('startedAt', performance.now());
  await next();
});

export function createApp(deps: GatewayDeps) {
  const unauthenticated: UnauthenticatedLimit = {
    limiter: deps.limiter,
    metrics: deps.metrics,
    perMinute: deps.unauthenticatedPerMinute ?? 60,
    address: (c: Context) => clientAddress(c, deps.trustedProxyHops ?? 0),
  };
  const routeDeps = { ...deps, unauthenticated };
  const app = new Hono();
  app.use(started, httpMetrics({ metrics: deps.metrics }), secureHeaders());
  app.route('/', operationsRoutes(routeDeps));
  app.get('/openapi.json', async (c) => {
    await limitUnauthenticated(c, unauthenticated);
    return c.json(openApiDocument());
  });
  app.route('/api/v1/cross-dept', crossDeptRoutes(routeDeps));
  app.route('/api/v1/audit', auditRoutes(routeDeps));
  app.route('/api/v1/departments', documentRoutes(routeDeps));
  app.route('/api/v1', provisioningRoutes({ ...routeDeps, provisioningPerHour: deps.provisioningPerHour ?? 5 }));
  app.notFound(notFound);
  app.onError(problemHandler(deps.reportError));
  return app;
}
