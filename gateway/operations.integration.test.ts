import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { CROSS_DEPT_QUERY, searchRequest } from '../e2e/support/gateway-requests.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { openApiDocument } from './openapi.ts';

describe('gateway operations: probes, metrics, JWKS, OpenAPI', () => {
  let t: GatewayTestbed;
  let source: string;
  let target: string;

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['opa', 'opb'],
    });
    [source, target] = t.departments as [string, string];
    await t.grant('ops', { source, target });
    await t.seedDocuments(target, [{ id: 'd1', name: 'Budget', text: 'The annual budget review.' }]);
  });

  afterAll(async () => {
    await t?.stop();
  });

  const query = (app: ReturnType<GatewayTestbed['app']>, authorization: string) =>
    app.request(`http://localhost${CROSS_DEPT_QUERY}`, searchRequest(authorization, target, 'budget'));

  it('does describe exactly the routes the app serves in /openapi.json', async () => {
    const app = t.app();
    const served = new Set(
      app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:([a-z_]+)/g, '{$1}')}`),
    );
    const doc = (await (await app.request('http://localhost/openapi.json')).json()) as ReturnType<
      typeof openApiDocument
    >;
    expect(doc.openapi).toMatch(/^3\./);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it('does answer the probes, and readyz 503 as problem+json when the database is unreachable', async () => {
    const app = t.app();
    expect((await app.request('http://localhost/healthz')).status).toBe(200);
    expect((await app.request('http://localhost/readyz')).status).toBe(200);
    const nowhere = new pg.Pool({
      connectionString: 'postgres://nobody:x@127.0.0.1:9/none',
      connectionTimeoutMillis: 500,
    });
    try {
      const res = await t.app({ pool: nowhere }).request('http://localhost/readyz');
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.text()).not.toMatch(/nobody|ECONNREFUSED|127\.0\.0\.1/);
    } finally {
      await nowhere.end();
    }
  });

  it('does publish the platform public keys and never a private part', async () => {
    const jwks = (await (await t.app().request('http://localhost/.well-known/jwks.json')).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys.map((k) => k.kid)).toContain(t.key.kid);
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d');
  });

  it('does count requests by route and status, rate-limit refusals and audit write failures', async () => {
    const metrics: Metrics = createMetrics();
    const app = t.app({ metrics, limitFor: async () => 1 });
    const token = await t.token(source);
    expect((await query(app, `Bearer ${token}`)).status).toBe(200);
    expect((await query(app, `Bearer ${token}`)).status).toBe(429);
    expect((await query(app, 'Bearer not-a-token')).status).toBe(401);

    // The gateway may not write audit rows any more: the query fails, nothing unaudited is answered.
    await t.db.pool.query('REVOKE INSERT ON federation.cross_dept_audit FROM cross_dept_query_role');
    try {
      const unaudited = t.app({ metrics });
      const res = await query(unaudited, `Bearer ${await t.token(source)}`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.text()).not.toMatch(/Budget|budget review/);
    } finally {
      await t.db.pool.query('GRANT INSERT ON federation.cross_dept_audit TO cross_dept_query_role');
    }

    const text = await (await app.request('http://localhost/metrics')).text();
    const route = 'route="/api/v1/cross-dept/query",method="POST"';
    expect(text).toMatch(new RegExp(`gateway_http_requests_total\\{${route},status="200"\\} 1\\b`));
    expect(text).toMatch(new RegExp(`gateway_http_requests_total\\{${route},status="429"\\} 1\\b`));
    expect(text).toMatch(new RegExp(`gateway_http_requests_total\\{${route},status="401"\\} 1\\b`));
    expect(text).toMatch(new RegExp(`gateway_http_request_duration_seconds_count\\{${route}\\} [1-9]`));
    expect(text).toMatch(/gateway_rate_limit_refusals_total\{scope="cross-dept"\} 1\b/);
    expect(text).toMatch(/gateway_audit_write_failures_total [1-9]/);
    expect(text).not.toContain(token.slice(0, 20));
  });
});
