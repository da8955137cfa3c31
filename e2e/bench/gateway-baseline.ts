import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type pg from 'pg';
import { createPool } from '../../controller/platform/database/pool.ts';
import type { Logger } from '../../controller/platform/logging/log.ts';
import { crossDeptQueryRequest, type SearchRequest } from '../../crds/cross-department-query.ts';
import { PlatformKeys } from '../../gateway/identity/platform-keys.ts';
import { createVerifier } from '../../gateway/identity/verifier.ts';
import { bearerAuth } from '../../gateway/middleware/auth/index.ts';
import { problemHandler } from '../../gateway/middleware/problem/index.ts';
import { enterQueryRole, runTenantQuery } from '../../gateway/query/execute.ts';
import { PERMISSION } from '../../gateway/query/sql.ts';
import { jsonBody } from '../../gateway/routes/validation.ts';

/**
 * What PostgREST does for a read, on the gateway's own HTTP stack (Hono on @hono/node-server, the same token
 * verifier with its cache, the same body reader): verify the JWT, then BEGIN, set the role and the settings the tenant policies read,
 * run the same search, COMMIT. No rate limit, no grant-check query, no audit row: the RLS policy alone decides
 * what the caller sees. The bench runs it beside the gateway so the report shows what the rest costs.
 */
export async function servePostgrestShaped(opts: {
  databaseUrl: string;
  poolMax: number;
  log: Logger;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const pool = createPool({ connectionString: opts.databaseUrl, max: opts.poolMax }, opts.log);
  const keys = new PlatformKeys(pool);
  const app = new Hono();
  app.post(
    '/api/v1/cross-dept/query',
    bearerAuth({ verify: createVerifier({ platformKeys: keys.getKey }) }),
    async (c) => {
      const request = crossDeptQueryRequest.parse(await jsonBody(c, 16 * 1024)) as SearchRequest;
      const results = await rlsRead(pool, c.var.identity.department, request);
      return c.json({ success: true, results, results_count: results.length });
    },
  );
  app.onError(problemHandler());
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

async function rlsRead(pool: pg.Pool, source: string, request: SearchRequest): Promise<Record<string, unknown>[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await enterQueryRole(client, source, PERMISSION[request.query_type]);
    const rows = await runTenantQuery(client, request.target_department_id, request);
    await client.query('COMMIT');
    return rows;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
