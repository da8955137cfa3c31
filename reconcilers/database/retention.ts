import type pg from 'pg';
import { ident, tenantNames } from './names.ts';
import { provisionedDepartments } from './tenant-upgrade.ts';

export interface RetentionReport {
  crossDeptAudit: number;
  securityAudit: number;
  /** Rows removed per department: expired session context and conversation history past retention. */
  departments: Record<string, { sessionContext: number; conversationHistory: number }>;
}

/** The seed's retention functions, global and per department; the controller runs this daily. */
export async function runRetention(pool: pg.Pool): Promise<RetentionReport> {
  const { rows } = await pool.query<{ audit: number; security: number }>(
    'SELECT federation.cleanup_old_audit_logs() AS audit, federation.cleanup_old_security_audit() AS security',
  );
  const report: RetentionReport = {
    crossDeptAudit: rows[0]?.audit ?? 0,
    securityAudit: rows[0]?.security ?? 0,
    departments: {},
  };
  const { rows: withFunctions } = await pool.query<{ department_id: string }>(
    `SELECT d.department_id FROM federation.departments d
       JOIN federation.schema_migrations m ON m.department_id = d.department_id AND m.version = 3`,
  );
  const eligible = new Set(withFunctions.map((r) => r.department_id));
  for (const department of await provisionedDepartments(pool)) {
    if (!eligible.has(department)) continue;
    const s = ident(tenantNames(department).schema);
    const { rows: removed } = await pool.query<{ session: number; history: number }>(
      `SELECT ${s}.cleanup_expired_session_context() AS session, ${s}.archive_old_conversation_history() AS history`,
    );
    report.departments[department] = {
      sessionContext: removed[0]?.session ?? 0,
      conversationHistory: removed[0]?.history ?? 0,
    };
  }
  return report;
}
