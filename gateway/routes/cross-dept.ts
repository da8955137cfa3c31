import { Hono } from 'hono';
import type pg from 'pg';
import { z } from 'zod';
import { crossDeptQueryRequest } from '../../crds/cross-department-query.ts';
import { AUDIT_ENTRY_SQL, auditEntry, type TrailRow } from '../audit/entries.ts';
import { requesterOf } from '../audit/record.ts';
import { sanitizeParams } from '../audit/sanitize.ts';
import type { Verify } from '../identity/verifier.ts';
import type { Metrics } from '../metrics.ts';
import { type AuditVariables, auditTrail } from '../middleware/audit/index.ts';
import { bearerAuth, type UnauthenticatedLimit } from '../middleware/auth/index.ts';
import { fail } from '../middleware/problem/index.ts';
import { rateLimit } from '../middleware/rate-limit/index.ts';
import { executeCrossDeptQuery } from '../query/execute.ts';
import type { LimitFor } from '../rate-limit/department-limits.ts';
import type { PgRateLimiter } from '../rate-limit/store.ts';
import { jsonBody, parseOr400 } from './validation.ts';

export interface CrossDeptRouteDeps {
  pool: pg.Pool;
  verify: Verify;
  metrics: Metrics;
  limiter: PgRateLimiter;
  limitFor: LimitFor;
  unauthenticated?: UnauthenticatedLimit;
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
  const auth = bearerAuth({ verify: deps.verify, unauthenticated: deps.unauthenticated });

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
    async (c) => {
      const body = await jsonBody(c, 16 * 1024);
      const draft = c.var.audit;
      Object.assign(draft, describeRaw(body));
      const request = parseOr400(crossDeptQueryRequest, body);
      const me = c.var.identity;
      // Platform admins read any department as federation_admin_role; everyone else needs a grant.
      const access = me.role === 'admin' ? 'admin' : 'grant';
      Object.assign(draft, {
        target: request.target_department_id,
        queryType: request.query_type,
        params: request.query_params,
        sessionId: request.requester_context?.session_id ?? null,
        userEmail: request.requester_context?.user_email ?? null,
        accessPath: access,
      });
      const verdict = await executeCrossDeptQuery(deps.pool, {
        source: me.department,
        access,
        request,
        startedAt: c.var.startedAt,
        audit: {
          id: draft.id,
          source: me.department,
          requester: requesterOf(me),
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
        fail(403, `No grant lets ${me.department} run ${request.query_type} on ${request.target_department_id}.`);
      }
      draft.written = true;
      draft.resultsReturned = verdict.results.length;
      return c.json({
        success: true,
        results: verdict.results,
        results_count: verdict.results.length,
        query_id: draft.id,
        access,
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
      const { rows } = await deps.pool.query<TrailRow>(AUDIT_ENTRY_SQL, [id.data]);
      const row = rows[0];
      const me = c.var.identity;
      // Anyone but the two departments and admins gets the same answer as for a missing entry.
      const visible = row && (me.role === 'admin' || row.department === me.department || row.target === me.department);
      if (!visible) fail(404, 'No such audit entry.');
      c.var.audit.target = row.target;
      return c.json(auditEntry(row));
    },
  );

  return app;
}
