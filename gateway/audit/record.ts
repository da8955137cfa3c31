import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export type Outcome = 'allowed' | 'denied' | 'rate_limited' | 'invalid' | 'failed';

/** One row of federation.cross_dept_audit, as the gateway writes it. */
export interface AuditRecord {
  id: string;
  source: string;
  target: string | null;
  queryType: string;
  params: unknown;
  sessionId: string | null;
  userEmail: string | null;
  resultsReturned: number | null;
  outcome: Outcome;
  latencyMs: number;
  errorMessage: string | null;
}

const DECISION: Record<Outcome, 'allow' | 'deny' | 'error'> = {
  allowed: 'allow',
  denied: 'deny',
  rate_limited: 'deny',
  invalid: 'deny',
  failed: 'error',
};

export function outcomeOf(status: number): Outcome {
  if (status < 400) return 'allowed';
  if (status === 429) return 'rate_limited';
  if (status === 403 || status === 404 || status === 409) return 'denied';
  if (status < 500) return 'invalid';
  return 'failed';
}

/** Inserts the row (the gateway's role may insert audit rows, never update or delete them). */
export async function writeAudit(db: Queryable, r: AuditRecord): Promise<void> {
  await db.query(
    `INSERT INTO federation.cross_dept_audit
       (id, source_department_id, target_department_id, query_type, query_params, requester_session_id,
        requester_user_email, results_returned, success, decision, outcome, latency_ms, error_message)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      r.id,
      r.source.slice(0, 100),
      r.target?.slice(0, 100) ?? null,
      r.queryType.slice(0, 50),
      r.params === undefined ? null : JSON.stringify(r.params),
      r.sessionId?.slice(0, 100) ?? null,
      r.userEmail?.slice(0, 320) ?? null,
      r.resultsReturned,
      r.outcome === 'allowed',
      DECISION[r.outcome],
      r.outcome,
      Math.max(0, Math.round(r.latencyMs)),
      r.errorMessage?.slice(0, 1000) ?? null,
    ],
  );
}
