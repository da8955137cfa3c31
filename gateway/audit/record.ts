import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export type Outcome = 'allowed' | 'denied' | 'rate_limited' | 'invalid' | 'failed';

/** Who the verified token speaks for: recorded apart from anything the caller claims in the body. */
export interface Requester {
  subject: string;
  issuer: string;
  role: string;
}

/** One row of federation.cross_dept_audit, as the gateway writes it. */
export interface AuditRecord {
  id: string;
  source: string;
  requester: Requester;
  /** How the target was read: under a grant, or as a platform admin. */
  accessPath?: 'grant' | 'admin' | null;
  target: string | null;
  queryType: string;
  params: unknown;
  /** Caller-supplied (requester_context), not verified: stored as the caller said. */
  sessionId: string | null;
  /** Caller-supplied (requester_context), not verified: stored as the caller said. */
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

/**
 * Inserts the row (the gateway's role may insert audit rows, never update or delete them); the table's
 * trigger appends it to the source department's hash chain in the same transaction.
 */
export async function writeAudit(db: Queryable, r: AuditRecord): Promise<void> {
  await db.query({
    name: 'audit-insert',
    text: `INSERT INTO federation.cross_dept_audit
       (id, source_department_id, target_department_id, query_type, query_params, requester_session_id,
        requester_user_email, results_returned, success, decision, outcome, latency_ms, error_message,
        requester_subject, requester_issuer, requester_role, access_path)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    values: [
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
      r.requester.subject.slice(0, 255),
      r.requester.issuer.slice(0, 255),
      r.requester.role.slice(0, 10),
      r.accessPath ?? null,
    ],
  });
}

/** The requester fields of an identity. */
export function requesterOf(identity: Requester): Requester {
  return { subject: identity.subject, issuer: identity.issuer, role: identity.role };
}
