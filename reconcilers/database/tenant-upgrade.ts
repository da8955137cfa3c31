import PQueue from 'p-queue';
import type pg from 'pg';
import { recordSecurityEvent } from '../../controller/platform/database/federation-records.ts';
import { isReservedDepartmentName } from '../../crds/names.ts';
import { isValidDepartmentName, tenantNames } from './names.ts';
import { claimTenant } from './tenant-claim.ts';
import { withTenantLock } from './tenant-lock.ts';
import { type MigrateOptions, type MigrateResult, migrateTenant } from './tenant-migrate.ts';

export interface UpgradeOptions extends Omit<MigrateOptions, 'target'> {
  /** How many departments migrate at once (default 4); each holds one connection. */
  concurrency?: number;
  /** Told about each department as soon as it is done (progress for a long run). */
  onOutcome?: (outcome: UpgradeOutcome) => void;
}

export type UpgradeOutcome = { department: string } & (
  | { ok: true; result: MigrateResult }
  | { ok: false; error: Error }
);

/** Departments that have (or should have) a tenant schema: every row not deprovisioned, reserved names aside. */
export async function provisionedDepartments(db: Pick<pg.Pool, 'query'>): Promise<string[]> {
  const { rows } = await db.query<{ department_id: string }>(
    "SELECT department_id FROM federation.departments WHERE status <> 'DEPROVISIONED' ORDER BY department_id",
  );
  return rows.map((r) => r.department_id).filter((d) => isValidDepartmentName(d) && !isReservedDepartmentName(d));
}

/**
 * Brings every department's tenant schema to the latest shipped migration, a bounded number at a time, each
 * in its own transaction under its department lock, after claiming its names (see tenant-claim.ts). One
 * department failing does not stop the others; the outcome of each is returned for the caller to report.
 */
export async function upgradeAllTenants(pool: pg.Pool, options: UpgradeOptions = {}): Promise<UpgradeOutcome[]> {
  const queue = new PQueue({ concurrency: options.concurrency ?? 4 });
  const departments = await provisionedDepartments(pool);
  const migrateOptions = options.migrations ? { migrations: options.migrations } : {};
  const reported = (outcome: UpgradeOutcome) => {
    options.onOutcome?.(outcome);
    return outcome;
  };
  return Promise.all(
    departments.map((department) =>
      queue.add(async (): Promise<UpgradeOutcome> => {
        try {
          const n = tenantNames(department);
          // Claiming first renames a tenant still under the legacy names and refuses what federation did not create.
          // The department's next reconcile rewrites its Secret with the new names.
          const result = await withTenantLock(pool, department, async (client) => {
            const renamed = (await claimTenant(client, n)).filter((note) => note.kind === 'Renamed');
            if (renamed.length > 0) {
              const details = { renamed: renamed.map((r) => r.detail) };
              await recordSecurityEvent(client, { type: 'TENANT_RENAMED', department, severity: 'info', details });
            }
            return migrateTenant(client, n, migrateOptions);
          });
          return reported({ department, ok: true, result });
        } catch (error) {
          return reported({ department, ok: false, error: error as Error });
        }
      }),
    ),
  ) as Promise<UpgradeOutcome[]>;
}
