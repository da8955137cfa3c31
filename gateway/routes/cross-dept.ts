import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type pg from 'pg';
import { z } from 'zod';
import { sanitizeParams } from '../audit/sanitize.ts';
import type { Verify } from '../identity/verifier.ts';
import type { Metrics } from '../metrics.ts';
import { type AuditVariables, auditTrail } from '../middleware/audit/index.ts';
import { bearerAuth } from '../middleware/auth/index.ts';
import { fail } from '../middleware/problem/index.ts';
import { rateLimit } from '../middleware/rate-limit/index.ts';
import { executeCrossDeptQuery } from '../query/execute.ts';
import { crossDeptQueryRequest } from '../query/schemas.ts';
import type { LimitFor } from '../rate-limit/department-limits.ts';
import type { PgRateLimiter } from '../rate-limit/store.ts';
import { jsonBody, parseOr400 } from './validation.ts';

export interface CrossDeptRouteDeps {
  pool: pg.Pool;
  verify: Verify;
  metrics: Metrics;
  limiter: PgRateLimiter;
  limitFor: LimitFor;
}

/** Best-effort fields for the audit row of a body that failed validation. */
function describeRaw(body: unknown): { target: string | null; queryType: string; params: unknown } {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  return {
    target: typeof b.target_department_id === 'string' ? b.target_department_id : null,
    queryType: typeof b.query_type === 'string' ? b.query_type : 'unknown',
    params: sanitizeParams(b.query_params),
  };
}

export function crossDeptRoutes(deps: CrossDeptRouteDeps) {
  const app = new Hono<{ Variables: AuditVariables }>();
  const auth = bearerAuth({ verify: deps.verify });

  app.post(
    '/query',
    auth,
    auditTrail({ db: deps.pool, metrics: deps.metrics, queryType: 'unknown' }),
    rateLimit({
      limiter: deps.limiter,
      metrics: deps.metrics,
      scope: 'cross-dept',
      windowSeconds: 60,
      limit: (c) => deps.limitFor(c.var.identity.department),
    }),
    bodyLimit({ maxSize: 16 * 1024, onError: () => fail(413, 'The body is larger than 16 KiB.') }),
    async (c) => {
      const body = await jsonBody(c.req);
      const draft = c.var.audit;
      Object.assign(draft, describeRaw(body));
      const request = parseOr400(crossDeptQueryRequest, body);
      Object.assign(draft, {
        target: request.target_department_id,
        queryType: request.query_type,
        params: request.query_params,
        sessionId: request.requester_context?.session_id ?? null,
        userEmail: request.requester_context?.user_email ?? null,
      });
      const verdict = await executeCrossDeptQuery(deps.pool, {
        source: c.var.identity.department,
        request,
        startedAt: c.var.startedAt,
        audit: {
          id: draft.id,
          source: c.var.identity.department,
          target: request.target_department_id,
          queryType: request.query_type,
          params: request.query_params,
          sessionId: draft.sessionId ?? null,
          userEmail: draft.userEmail ?? null,
          outcome: 'allowed',
          errorMessage: null,
        },
      });
      if (verdict.kind === 'unknown_target') fail(404, `No active department ${request.target_department_id}.`);
      if (verdict.kind === 'no_grant') {
        fail(
          403,
          `No grant lets ${c.var.identity.department} run ${request.query_type} on ${request.target_department_id}.`,
        );
      }
      draft.written = true;
      draft.resultsReturned = verdict.results.length;
      return c.json({
        success: true,
        results: verdict.results,
        results_count: verdict.results.length,
        query_id: draft.id,
      });
    },
  );

  app.get(
    '/audit-log/:query_id',
    auth,
    auditTrail({ db: deps.pool, metrics: deps.metrics, queryType: 'read_audit_log' }),
    async (c) => {
      const id = z.uuid().safeParse(c.req.param('query_id'));
      c.var.audit.params = { query_id: c.req.param('query_id') };
      if (!id.success) fail(404, 'No such audit entry.');
      const { rows } = await deps.pool.query(
        `SELECT id, source_department_id, target_department_id, query_type, query_params, requester_session_id,
                requester_user_email, results_returned, success, decision, outcome, latency_ms, error_message,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
           FROM federation.cross_dept_audit WHERE id = $1`,
        [id.data],
      );
      const row = rows[0];
      const me = c.var.identity;
      // Anyone but the two departments and admins gets the same answer as for a missing entry.
      const visible =
        row &&
        (me.role === 'admin' ||
          row.source_department_id === me.department ||
          row.target_department_id === me.department);
      if (!visible) fail(404, 'No such audit entry.');
      c.var.audit.target = row.target_department_id;
      return c.json(row);
    },
  );

  return app;
}
