import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import type pg from 'pg';
import { outcomeOf, requesterOf, writeAudit } from '../../audit/record.ts';
import { sanitizeParams } from '../../audit/sanitize.ts';
import type { Metrics } from '../../metrics.ts';
import type { AuthVariables } from '../auth/index.ts';
import { fail } from '../problem/index.ts';

/** What a route tells the audit trail about the request as it learns it. */
export interface AuditDraft {
  id: string;
  queryType: string;
  target: string | null;
  params?: unknown;
  sessionId?: string | null;
  userEmail?: string | null;
  resultsReturned?: number | null;
  errorMessage?: string | null;
  accessPath?: 'grant' | 'admin' | null;
  /** Set when the route already wrote the row (an allowed query, inside its own transaction). */
  written?: boolean;
}

export type AuditVariables = AuthVariables & { audit: AuditDraft; startedAt: number };

/**
 * Gives every authenticated request one row in federation.cross_dept_audit, whatever its outcome (allowed,
 * denied, invalid, failed); a rate-limited one is counted by the limiter and reaches the trail aggregated.
 * Runs right after authentication. If the row cannot be written the request fails: there are no unaudited
 * answers.
 */
export function auditTrail(opts: { db: Pick<pg.Pool, 'query'>; metrics: Metrics; queryType: string }) {
  return createMiddleware<{ Variables: AuditVariables }>(async function auditTrail(c, next) {
    c.set('audit', { id: randomUUID(), queryType: opts.queryType, target: null });
    await next();
    const draft = c.var.audit;
    if (draft.written) return;
    const outcome = outcomeOf(c.res.status);
    try {
      await writeAudit(opts.db, {
        id: draft.id,
        source: c.var.identity.department,
        requester: requesterOf(c.var.identity),
        accessPath: draft.accessPath ?? null,
        target: draft.target,
        queryType: draft.queryType,
        params: draft.params === undefined ? undefined : sanitizeParams(draft.params),
        sessionId: draft.sessionId ?? null,
        userEmail: draft.userEmail ?? null,
        resultsReturned: draft.resultsReturned ?? null,
        outcome,
        latencyMs: performance.now() - c.var.startedAt,
        errorMessage: outcome === 'allowed' ? null : (draft.errorMessage ?? failureMessage(c.error, c.res.status)),
      });
    } catch {
      opts.metrics.auditWriteFailures.inc();
      fail(500, 'The request could not be audited.');
    }
  });
}

function failureMessage(error: unknown, status: number): string {
  return error instanceof HTTPException ? error.message : `HTTP ${status}`;
}
