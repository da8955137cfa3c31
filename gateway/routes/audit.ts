import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import type pg from 'pg';
import { verifyChains } from '../../controller/platform/database/audit-chain.ts';
import { type AuditEntry, auditEntry, csvLine, flatEntry, type TrailRow } from '../audit/entries.ts';
import { type AuditQuery, auditQuery, type Cursor, encodeCursor, pageValues, TRAIL_PAGE_SQL } from '../audit/query.ts';
import type { Verify } from '../identity/verifier.ts';
import type { Metrics } from '../metrics.ts';
import { type AuditVariables, auditTrail } from '../middleware/audit/index.ts';
import { bearerAuth, requireRole, type UnauthenticatedLimit } from '../middleware/auth/index.ts';
import { fail } from '../middleware/problem/index.ts';
import { parseOr400 } from './validation.ts';

export interface AuditRouteDeps {
  pool: pg.Pool;
  verify: Verify;
  metrics: Metrics;
  unauthenticated?: UnauthenticatedLimit;
}

/** An export streams at most this many entries (page by page); a JSON page holds at most `limit` (1000). */
const EXPORT_MAX = 100_000;
const EXPORT_PAGE = 500;

async function page(pool: pg.Pool, q: AuditQuery, after: Cursor | undefined, limit: number) {
  const { rows } = await pool.query<TrailRow>({
    name: 'audit-page',
    text: TRAIL_PAGE_SQL,
    values: pageValues(q, after, limit),
  });
  const last = rows.at(-1);
  return { entries: rows.map(auditEntry), next: last ? { t: last.created_at, i: last.id } : undefined };
}

/**
 * The audit trail as an API: queries, security events and provisioning events in one listing, newest first.
 * Admins may read and filter everything; anyone else only `?department=<own>` (entries where their department
 * is the source or the target). JSON pages carry `next_cursor`; NDJSON and CSV stream every matching entry.
 */
export function auditRoutes(deps: AuditRouteDeps) {
  const app = new Hono<{ Variables: AuditVariables }>();
  const auth = bearerAuth({ verify: deps.verify, unauthenticated: deps.unauthenticated });

  app.get('/', auth, auditTrail({ db: deps.pool, metrics: deps.metrics, queryType: 'read_audit' }), async (c) => {
    const q = parseOr400(auditQuery, c.req.query());
    const me = c.var.identity;
    c.var.audit.params = Object.fromEntries(Object.entries(c.req.query()).filter(([k]) => k !== 'cursor'));
    c.var.audit.target = q.department ?? q.target ?? null;
    if (me.role !== 'admin' && q.department !== me.department) {
      fail(403, `Only admins may read the whole trail; use ?department=${me.department}.`);
    }
    if (q.format === 'json') {
      const { entries, next } = await page(deps.pool, q, q.cursor, q.limit);
      c.var.audit.resultsReturned = entries.length;
      return c.json({ entries, next_cursor: entries.length === q.limit && next ? encodeCursor(next) : null });
    }
    const ndjson = q.format === 'ndjson';
    c.header('Content-Type', ndjson ? 'application/x-ndjson' : 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="audit.${ndjson ? 'ndjson' : 'csv'}"`);
    return stream(c, async (out) => {
      let after = q.cursor;
      let sent = 0;
      let header = !ndjson;
      while (sent < EXPORT_MAX) {
        const { entries, next } = await page(deps.pool, q, after, Math.min(EXPORT_PAGE, EXPORT_MAX - sent));
        for (const e of entries) {
          if (header) {
            await out.write(csvLine(Object.keys(flatEntry(e))));
            header = false;
          }
          await out.write(ndjson ? `${JSON.stringify(e)}\n` : csvLine(Object.values(flatEntry(e as AuditEntry))));
        }
        sent += entries.length;
        if (entries.length < EXPORT_PAGE || !next) break;
        after = next;
      }
      if (header) await out.write(csvLine(Object.keys(flatEntry(EMPTY))));
    });
  });

  app.get(
    '/verify',
    auth,
    auditTrail({ db: deps.pool, metrics: deps.metrics, queryType: 'verify_audit' }),
    requireRole(['admin']),
    async (c) => {
      const broken = (await verifyChains(deps.pool)).map((link) => ({
        chain: link.chain,
        seq: link.seq,
        row_id: link.rowId,
        created_at: link.createdAt,
        problem: link.problem,
      }));
      c.var.audit.resultsReturned = broken.length;
      return c.json({ intact: broken.length === 0, first_broken: broken[0] ?? null, broken: broken.slice(0, 100) });
    },
  );

  return app;
}

const EMPTY = auditEntry({
  kind: 'query',
  id: '',
  department: null,
  target: null,
  action: '',
  outcome: null,
  decision: null,
  success: null,
  results_returned: null,
  refused_count: null,
  latency_ms: null,
  message: null,
  details: null,
  severity: null,
  subject: null,
  issuer: null,
  role: null,
  access_path: null,
  requester_session_id: null,
  requester_user_email: null,
  chain: null,
  chain_seq: null,
  row_hash: null,
  created_at: '',
});
