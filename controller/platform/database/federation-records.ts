import type pg from 'pg';
import type { DepartmentObject } from '../../../crds/department.ts';
import type { TenantNames } from '../../../crds/names.ts';
import type { departmentStatuses } from './federation-schema.ts';

type Queryable = Pick<pg.Pool, 'query'>;
export type DepartmentRowStatus = (typeof departmentStatuses)[number];
export type ComponentProgress = 'pending' | 'in_progress' | 'completed' | 'failed';

/** Mirrors the Department into federation.departments (what SQL consumers and the gateway read). */
export async function upsertDepartmentRow(
  db: Queryable,
  department: DepartmentObject,
  n: TenantNames,
  status: DepartmentRowStatus,
): Promise<void> {
  const { spec, metadata } = department;
  await db.query(
    `INSERT INTO federation.departments
       (department_id, department_name, status, tenant_schema, enabled_tools, admin_email, config, generation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (department_id) DO UPDATE SET
       department_name = EXCLUDED.department_name,
       -- Re-applying a serving tenant keeps it ACTIVE: the gateway answers 404 for any other status. A
       -- Department in phase Failed stays FAILED until the provisioning recorder sees it Active again.
       status = CASE WHEN EXCLUDED.status = 'PROVISIONING' AND federation.departments.status = 'ACTIVE'
                     THEN 'ACTIVE'
                     WHEN EXCLUDED.status IN ('PROVISIONING', 'ACTIVE') AND federation.departments.status = 'FAILED'
                          AND $9::boolean
                     THEN 'FAILED' ELSE EXCLUDED.status END,
       tenant_schema = EXCLUDED.tenant_schema,
       enabled_tools = EXCLUDED.enabled_tools, admin_email = EXCLUDED.admin_email, config = EXCLUDED.config,
       generation = EXCLUDED.generation, deprovisioned_at = NULL, updated_at = now()`,
    [
      n.department,
      spec.displayName,
      status,
      n.schema,
      JSON.stringify(spec.enabledTools),
      spec.adminEmail,
      JSON.stringify(spec), // the full configuration (the spec holds no secrets, only Secret references)
      metadata.generation,
      department.status?.phase === 'Failed',
    ],
  );
}

export async function markDeprovisioned(db: Queryable, department: string): Promise<void> {
  await db.query(
    `UPDATE federation.departments SET status = 'DEPROVISIONED', deprovisioned_at = now(), updated_at = now()
      WHERE department_id = $1`,
    [department],
  );
}

/**
 * Records one component's progress on the provisioning job of a Department generation (the seed's
 * per-component progress JSON). Any component may call it once the departments row exists.
 */
export async function recordProgress(
  db: Queryable,
  department: string,
  generation: number,
  component: string,
  progress: ComponentProgress,
): Promise<void> {
  await db.query(
    `INSERT INTO federation.provisioning_jobs (department_id, generation, status, progress, started_at)
     VALUES ($1, $2, 'IN_PROGRESS', jsonb_build_object($3::text, $4::text), now())
     ON CONFLICT (department_id, generation) DO UPDATE
       SET progress = provisioning_jobs.progress || jsonb_build_object($3::text, $4::text)`,
    [department, generation, component, progress],
  );
}

export async function recordSecurityEvent(
  db: Queryable,
  event: { type: string; department?: string; severity: 'info' | 'warning' | 'critical'; details: object },
): Promise<void> {
  await db.query(
    `INSERT INTO federation.security_audit (event_type, department_id, severity, actor, details)
     VALUES ($1, $2, $3, 'federation-controller', $4)`,
    [event.type, event.department ?? null, event.severity, JSON.stringify(event.details)],
  );
}
