import type pg from 'pg';
import type { CrossDepartmentGrantSpec } from '../../crds/cross-department-grant.ts';
import { TerminalError } from '../component.ts';
import { isValidDepartmentName } from './names.ts';

/** A CrossDepartmentGrant as the controller reads it (spec already validated by the API server and zod). */
export interface GrantObject {
  metadata: { name: string; annotations?: Record<string, string> };
  /** `suspend` may be absent (the API server defaults it to false). */
  spec: Omit<CrossDepartmentGrantSpec, 'suspend'> & { suspend?: boolean };
}

/** Who approved a grant, for the audit trail; `kubernetes` when the annotation is absent. */
export const GRANTED_BY_ANNOTATION = 'federation.synrg.io/granted-by';

export interface GrantSyncResult {
  /** Whether the grant applies now (enabled and not expired). */
  active: boolean;
  expiresAt?: Date;
  /** When the controller should look again (the moment the grant expires). */
  requeueAfterMs?: number;
}

/**
 * Creates or updates the grant's row in federation.cross_dept_permissions; the tenant policies read it.
 * Expiry needs no further write: the policies compare expires_at with now().
 */
export async function syncGrant(
  db: Pick<pg.Pool, 'query'>,
  grant: GrantObject,
  now = new Date(),
): Promise<GrantSyncResult> {
  const { sourceDepartment, targetDepartment, permissions, queryTypes, expiresAt, reason } = grant.spec;
  // A suspended grant keeps its row, switched off: the policies and the gateway check `enabled`.
  const enabled = grant.spec.suspend !== true;
  if (!isValidDepartmentName(sourceDepartment) || !isValidDepartmentName(targetDepartment)) {
    throw new TerminalError('InvalidDepartmentName', 'source and target must be department names');
  }
  const expires = expiresAt ? new Date(expiresAt) : undefined;
  await db.query(
    `INSERT INTO federation.cross_dept_permissions
       (grant_name, source_department_id, target_department_id, permissions, query_types, expires_at, enabled,
        granted_by, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $9, $7, $8)
     ON CONFLICT (grant_name) DO UPDATE SET
       source_department_id = EXCLUDED.source_department_id, target_department_id = EXCLUDED.target_department_id,
       permissions = EXCLUDED.permissions, query_types = EXCLUDED.query_types, expires_at = EXCLUDED.expires_at,
       enabled = EXCLUDED.enabled, granted_by = EXCLUDED.granted_by, reason = EXCLUDED.reason, updated_at = now()`,
    [
      grant.metadata.name,
      sourceDepartment,
      targetDepartment,
      permissions,
      queryTypes,
      expires ?? null,
      grant.metadata.annotations?.[GRANTED_BY_ANNOTATION] ?? 'kubernetes',
      reason,
      enabled,
    ],
  );
  if (!enabled) return { active: false };
  if (!expires) return { active: true };
  const remaining = expires.getTime() - now.getTime();
  return remaining > 0
    ? { active: true, expiresAt: expires, requeueAfterMs: remaining }
    : { active: false, expiresAt: expires };
}

/** Removes the grant's row (the CrossDepartmentGrant was deleted). Idempotent. */
export async function removeGrant(db: Pick<pg.Pool, 'query'>, grantName: string): Promise<void> {
  await db.query('DELETE FROM federation.cross_dept_permissions WHERE grant_name = $1', [grantName]);
}
