import { Hono } from 'hono';
import type pg from 'pg';
import { departmentName } from '../../crds/common.ts';
import { EmbeddingFailed, type EmbeddingProviders } from '../documents/embeddings.ts';
import { ingestDocument } from '../documents/ingest.ts';
import { documentSearchRequest, ingestRequest } from '../documents/schemas.ts';
import { searchDocuments } from '../documents/search.ts';
import { DEPARTMENT_SQL } from '../documents/sql.ts';
import type { Verify } from '../identity/verifier.ts';
import type { Metrics } from '../metrics.ts';
import { type AuditVariables, auditTrail } from '../middleware/audit/index.ts';
import { bearerAuth, type UnauthenticatedLimit } from '../middleware/auth/index.ts';
import { fail } from '../middleware/problem/index.ts';
import { rateLimit } from '../middleware/rate-limit/index.ts';
import type { LimitFor } from '../rate-limit/department-limits.ts';
import type { PgRateLimiter } from '../rate-limit/store.ts';
import { jsonBody, parseOr400 } from './validation.ts';

export interface DocumentRouteDeps {
  pool: pg.Pool;
  verify: Verify;
  metrics: Metrics;
  limiter: PgRateLimiter;
  limitFor: LimitFor;
  /** Embeddings APIs by department LLM provider; a provider missing here means full-text search only. */
  embeddings?: EmbeddingProviders;
  unauthenticated?: UnauthenticatedLimit;
}

/**
 * A department's own document store: `POST /{department}/documents` adds or replaces a document,
 * `POST /{department}/documents/search` searches them. Only that department's agent token or an admin may call
 * either; every call is audited like a cross-department query (target = the department).
 */
export function documentRoutes(deps: DocumentRouteDeps) {
  const app = new Hono<{ Variables: AuditVariables }>();
  const providers = deps.embeddings ?? {};
  const guard = (queryType: string) =>
    [
      bearerAuth({ verify: deps.verify, unauthenticated: deps.unauthenticated }),
      auditTrail({ db: deps.pool, metrics: deps.metrics, queryType }),
      rateLimit({
        limiter: deps.limiter,
        metrics: deps.metrics,
        scope: 'documents',
        windowSeconds: 60,
        limit: (c) => deps.limitFor(c.var.identity.department),
      }),
    ] as const;

  /** The department of the path, once the caller may use it and it is active. */
  async function department(c: { req: { param(name: string): string }; var: AuditVariables }) {
    const raw = c.req.param('department_id');
    const parsed = departmentName.safeParse(raw);
    c.var.audit.target = raw.slice(0, 100);
    if (!parsed.success) fail(404, `No active department ${raw.slice(0, 40)}.`);
    const me = c.var.identity;
    if (me.role !== 'admin' && me.department !== parsed.data) {
      fail(403, `${me.department} may only use its own documents, not ${parsed.data}'s.`);
    }
    c.var.audit.accessPath = 'admin';
    const { rows } = await deps.pool.query<{ status: string | null; provider: string }>(DEPARTMENT_SQL, [parsed.data]);
    if (rows[0]?.status !== 'ACTIVE') fail(404, `No active department ${parsed.data}.`);
    return { id: parsed.data, provider: rows[0].provider };
  }

  const embeddingsFailed = (err: unknown): never => {
    if (err instanceof EmbeddingFailed) fail(502, `The department's embeddings provider failed: ${err.message}.`);
    throw err;
  };

  app.post('/:department_id/documents', ...guard('add_document'), async (c) => {
    const dept = await department(c);
    const doc = parseOr400(ingestRequest, await jsonBody(c, 2 * 1024 * 1024));
    c.var.audit.params = { document_id: doc.document_id ?? null, title: doc.title, characters: doc.text.length };
    const result = await ingestDocument(deps.pool, providers, dept, doc, c.req.raw.signal).catch(embeddingsFailed);
    c.var.audit.resultsReturned = result.chunks_embedded;
    return c.json(result, result.created ? 201 : 200);
  });

  app.post('/:department_id/documents/search', ...guard('search_own_documents'), async (c) => {
    const dept = await department(c);
    const request = parseOr400(documentSearchRequest, await jsonBody(c, 16 * 1024));
    c.var.audit.params = request;
    const answer = await searchDocuments(deps.pool, providers, dept, request, c.req.raw.signal).catch(embeddingsFailed);
    c.var.audit.resultsReturned = answer.results.length;
    return c.json({ ...answer, results_count: answer.results.length });
  });

  return app;
}
