import type pg from 'pg';
import { OWNER_ROLE } from '../../controller/platform/database/platform-roles.ts';
import type { TenantNames } from './names.ts';
import { privilegesSql } from './tenant-ddl.ts';
import { checksum, LATEST_VERSION, plan, TENANT_MIGRATIONS, type TenantMigration } from './tenant-migrations.ts';

export interface MigrateOptions {
  /** Version to end at (default: the latest shipped). Lower than the current one rolls back. */
  target?: number;
  migrations?: readonly TenantMigration[];
}

export interface MigrateResult {
  from: number;
  to: number;
  applied: { version: number; direction: 'up' | 'down' }[];
}

type Queryable = Pick<pg.PoolClient, 'query'>;

export async function currentVersion(client: Queryable, department: string): Promise<number> {
  const { rows } = await client.query<{ version: number }>(
    'SELECT coalesce(max(version), 0)::int AS version FROM federation.schema_migrations WHERE department_id = $1',
    [department],
  );
  return rows[0]?.version ?? 0;
}

function targetOf(options: MigrateOptions): { migrations: readonly TenantMigration[]; target: number } {
  const migrations = options.migrations ?? TENANT_MIGRATIONS;
  const latest = options.migrations ? Math.max(0, ...migrations.map((m) => m.version)) : LATEST_VERSION;
  const target = options.target ?? latest;
  if (!Number.isInteger(target) || target < 0 || target > latest) {
    throw new RangeError(`target version must be an integer between 0 and ${latest}`);
  }
  return { migrations, target };
}

/**
 * Moves one tenant schema to the target version. Must run inside `withTenantLock` (one transaction):
 * either every step and its bookkeeping commit, or none does. Re-applies privileges afterwards.
 */
export async function migrateTenant(
  client: pg.PoolClient,
  n: TenantNames,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const { migrations, target } = targetOf(options);
  const from = await currentVersion(client, n.department);
  const steps = plan(migrations, from, target);
  if (steps.length > 0) {
    await client.query(`SET LOCAL ROLE ${OWNER_ROLE}`);
    for (const { direction, migration } of steps) await client.query(migration[direction](n));
    await client.query('RESET ROLE');
  }
  for (const { direction, migration } of steps) {
    if (direction === 'up') {
      await client.query(
        'INSERT INTO federation.schema_migrations (department_id, version, name, checksum) VALUES ($1, $2, $3, $4)',
        [n.department, migration.version, migration.name, checksum(migration.up(n))],
      );
    } else {
      await client.query('DELETE FROM federation.schema_migrations WHERE department_id = $1 AND version = $2', [
        n.department,
        migration.version,
      ]);
    }
  }
  if (target > 0) await client.query(privilegesSql(n));
  return { from, to: target, applied: steps.map((s) => ({ version: s.migration.version, direction: s.direction })) };
}

/** The SQL `migrateTenant` would run for this department, without running it. */
export async function previewTenant(client: Queryable, n: TenantNames, options: MigrateOptions = {}): Promise<string> {
  const { migrations, target } = targetOf(options);
  const from = await currentVersion(client, n.department);
  const steps = plan(migrations, from, target);
  if (steps.length === 0) return `-- ${n.department}: at version ${from}, nothing to do\n`;
  const parts = steps.map(
    ({ direction, migration }) => `-- ${direction} ${migration.version} ${migration.name}\n${migration[direction](n)}`,
  );
  return `-- ${n.department}: version ${from} -> ${target}\nSET LOCAL ROLE ${OWNER_ROLE};\n${parts.join('\n')}\nRESET ROLE;\n${target > 0 ? privilegesSql(n) : ''}\n`;
}
