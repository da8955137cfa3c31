import { z } from 'zod';

/** The columns of federation.audit_trail an entry is built from (one row of any kind). */
export const TRAIL_COLUMNS = `t.kind, t.id, t.department, t.target, t.action, t.outcome, t.decision, t.success,
  t.results_returned, t.refused_count, t.latency_ms, t.message, t.details, t.severity, t.subject, t.issuer, t.role,
  t.access_path, t.requester_session_id, t.requester_user_email, t.chain, t.chain_seq::text AS chain_seq, t.row_hash,
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at`;

/** One cross-department audit row by id, in the trail's shape. */
export const AUDIT_ENTRY_SQL = `SELECT ${TRAIL_COLUMNS} FROM federation.audit_trail t WHERE t.query_id = $1::uuid`;

export interface TrailRow {
  kind: string;
  id: string;
  department: string | null;
  target: string | null;
  action: string;
  outcome: string | null;
  decision: string | null;
  success: boolean | null;
  results_returned: number | null;
  refused_count: number | null;
  latency_ms: number | null;
  message: string | null;
  details: unknown;
  severity: string | null;
  subject: string | null;
  issuer: string | null;
  role: string | null;
  access_path: string | null;
  requester_session_id: string | null;
  requester_user_email: string | null;
  chain: string | null;
  chain_seq: string | null;
  row_hash: string | null;
  created_at: string;
}

/** An entry of the trail as the API returns it (for kind `query`, a superset of the seed's AuditLogEntry). */
export function auditEntry(r: TrailRow) {
  const claimed = (
    [
      ['requester_session_id', r.requester_session_id],
      ['requester_user_email', r.requester_user_email],
    ] as const
  )
    .filter(([, v]) => v !== null)
    .map(([k]) => k);
  return {
    kind: r.kind,
    id: r.id,
    created_at: r.created_at,
    source_department_id: r.department,
    target_department_id: r.target,
    query_type: r.action,
    query_params: r.kind === 'query' ? r.details : undefined,
    details: r.kind === 'query' ? undefined : r.details,
    outcome: r.outcome,
    decision: r.decision,
    success: r.success,
    results_returned: r.results_returned,
    refused_count: r.refused_count,
    latency_ms: r.latency_ms,
    error_message: r.message,
    severity: r.severity,
    requester: { subject: r.subject, issuer: r.issuer, role: r.role },
    requester_session_id: r.requester_session_id,
    requester_user_email: r.requester_user_email,
    caller_supplied: claimed,
    access_path: r.access_path,
    chain: r.chain === null ? null : { name: r.chain, seq: Number(r.chain_seq), row_hash: r.row_hash },
  };
}

export type AuditEntry = ReturnType<typeof auditEntry>;

/** The entry as one flat CSV-friendly record (RFC 4180 quoting is done by the writer). */
export function flatEntry(e: AuditEntry): Record<string, string> {
  const text = (v: unknown) =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return {
    kind: e.kind,
    id: e.id,
    created_at: e.created_at,
    source_department_id: text(e.source_department_id),
    target_department_id: text(e.target_department_id),
    query_type: e.query_type,
    outcome: text(e.outcome),
    success: text(e.success),
    results_returned: text(e.results_returned),
    refused_count: text(e.refused_count),
    error_message: text(e.error_message),
    severity: text(e.severity),
    requester_subject: text(e.requester.subject),
    requester_issuer: text(e.requester.issuer),
    requester_role: text(e.requester.role),
    access_path: text(e.access_path),
    caller_supplied_session_id: text(e.requester_session_id),
    caller_supplied_user_email: text(e.requester_user_email),
    params_or_details: text(e.query_params ?? e.details),
    chain: text(e.chain?.name),
    chain_seq: text(e.chain?.seq),
    row_hash: text(e.chain?.row_hash),
  };
}

/**
 * A cell a spreadsheet could read as a formula (OWASP's CSV injection rule): one that begins with = + - @ or their
 * full-width forms, or with any whitespace (tab, CR, LF, space, ideographic space) that a spreadsheet may skip.
 */
const FORMULA_START = /^[\s=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/u;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. Formula starts are defused. */
export function csvLine(fields: string[]): string {
  return `${fields
    .map((f) => {
      const safe = FORMULA_START.test(f) ? `'${f}` : f; // no spreadsheet formula injection from audit data
      return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
    })
    .join(',')}\r\n`;
}

export const auditEntrySchema = z.object({
  kind: z.enum(['query', 'security', 'provisioning']),
  id: z.string(),
  created_at: z.string(),
  source_department_id: z.string().nullable(),
  target_department_id: z.string().nullable(),
  query_type: z.string().describe('The query type, or the event type of a security or provisioning event.'),
  query_params: z.unknown().optional(),
  details: z.unknown().optional(),
  outcome: z.string().nullable(),
  decision: z.string().nullable(),
  success: z.boolean().nullable(),
  results_returned: z.number().int().nullable(),
  refused_count: z.number().int().nullable().describe('For an aggregated rate-limit entry: requests refused.'),
  latency_ms: z.number().int().nullable(),
  error_message: z.string().nullable(),
  severity: z.string().nullable(),
  requester: z
    .object({ subject: z.string().nullable(), issuer: z.string().nullable(), role: z.string().nullable() })
    .describe('From the verified token: who made the request.'),
  requester_session_id: z.string().nullable().describe('Caller-supplied (requester_context), not verified.'),
  requester_user_email: z.string().nullable().describe('Caller-supplied (requester_context), not verified.'),
  caller_supplied: z.array(z.string()).describe('Fields of this entry the caller supplied and nobody verified.'),
  access_path: z.string().nullable().describe('grant or admin'),
  chain: z
    .object({ name: z.string(), seq: z.number().int(), row_hash: z.string().nullable() })
    .nullable()
    .describe('Where the row sits in its hash chain.'),
});
