import type pg from 'pg';
import {
  recordProgress,
  recordSecurityEvent,
  upsertDepartmentRow,
} from '../../controller/platform/database/federation-records.ts';
import { isReservedDepartmentName, tenantNamesFor } from '../../crds/names.ts';
import { type Component, type ComponentContext, type ComponentResult, TerminalError } from '../component.ts';
import { DATABASE_READY, ISOLATION_VERIFIED, Reason, SCHEMA_VERSION_ANNOTATION } from './conditions.ts';
import {
  DATABASE_SECRET,
  type DatabaseEndpoint,
  deleteDatabaseSecret,
  ensureDatabaseSecret,
} from './database-secret.ts';
import { proveIsolation } from './isolation-proof.ts';
import { ident, isValidDepartmentName, type TenantNames, tenantNames, validDepartmentName } from './names.ts';
import { claimTenant, ownsRole, TenantRefusal } from './tenant-claim.ts';
import { confineToPlatformDatabase, findConnectDrift } from './tenant-connect.ts';
import { deprovisionTenant } from './tenant-deprovision.ts';
import { findSchemaDrift, repairSchemaDrift } from './tenant-drift.ts';
import { refuse, reportChanges } from './tenant-events.ts';
import { withTenantLock } from './tenant-lock.ts';
import { currentVersion, migrateTenant } from './tenant-migrate.ts';
import { LATEST_VERSION, TENANT_MIGRATIONS, type TenantMigration } from './tenant-migrations.ts';
import { ensureTenantRole, findRoleDrift } from './tenant-role.ts';
import { validateTenant } from './tenant-validate.ts';

export interface DatabaseComponentOptions {
  /** A pool connected as the controller's database user (superuser or owner of the platform roles). */
  pool: pg.Pool;
  /** Where department workloads reach the database; written into each department's Secret. */
  endpoint: DatabaseEndpoint;
  /** The shipped tenant migrations (tests pass a prefix to simulate an older operator). */
  migrations?: readonly TenantMigration[];
  /** How long a proven tenant stands before its drift and isolation are checked again (default 10 minutes). */
  checkIntervalMs?: number;
}

const NOT_READY_REQUEUE_MS = 30_000;
const CHECK_INTERVAL_MS = 10 * 60_000;

function pinnedVersion(ctx: ComponentContext, latest: number): number {
  const raw = ctx.department.metadata.annotations?.[SCHEMA_VERSION_ANNOTATION];
  if (raw === undefined) return latest;
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 1 || version > latest) {
    throw new TerminalError(
      Reason.InvalidSchemaVersion,
      `${SCHEMA_VERSION_ANNOTATION} must be between 1 and ${latest}`,
    );
  }
  return version;
}

function outputs(endpoint: DatabaseEndpoint, n: TenantNames) {
  return { secretName: DATABASE_SECRET, ...endpoint, user: n.role, schema: n.schema };
}

/** The `database` component: one tenant schema, role, Secret and proof of isolation per Department. */
export function createDatabaseComponent(options: DatabaseComponentOptions): Component {
  const { pool, endpoint } = options;
  const migrations = options.migrations ?? TENANT_MIGRATIONS;
  const latest = options.migrations ? Math.max(...migrations.map((m) => m.version)) : LATEST_VERSION;

  // Whether this Postgres can serve vector search (pgvector); asked once, said on every department using vector_store.
  let pgvector: Promise<boolean> | undefined;
  const vectorSearch = async () => {
    pgvector ??= pool
      .query<{ available: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available",
      )
      .then((r) => r.rows[0]?.available === true);
    return (await pgvector)
      ? ''
      : '; vector_store matches text by substring: pgvector is not installed on this Postgres server';
  };

  const converge = async (ctx: ComponentContext, n: TenantNames, target: number) =>
    withTenantLock(pool, n.department, async (client) => {
      // Nothing is written (not even the Secret) before the names are known to be federation's own.
      const notes = await claimTenant(client, n);
      const password = await ensureDatabaseSecret(ctx.kube, ctx.department, ctx.namespace, endpoint, n);
      await upsertDepartmentRow(client, ctx.department, n, 'PROVISIONING');
      const roleDrift = await ensureTenantRole(client, n, password);
      const migrated = await migrateTenant(client, n, { target, migrations });
      const schemaDrift = await repairSchemaDrift(client, n, migrated.to);
      const connectDrift = await confineToPlatformDatabase(client, n);
      return { version: migrated.to, password, notes, drift: [...roleDrift, ...schemaDrift, ...connectDrift] };
    });

  const apply = async (ctx: ComponentContext): Promise<ComponentResult> => {
    const n = tenantNames(ctx.department.metadata.name);
    const target = pinnedVersion(ctx, latest);
    const { version, password, notes, drift } = await converge(ctx, n, target);
    await reportChanges(ctx, pool, n, notes, drift);
    const failures = await validateTenant(pool, n, version);
    if (failures.length > 0) {
      await markFailed(pool, ctx, n);
      await recordSecurityEvent(pool, {
        type: 'DRIFT_UNREPAIRABLE',
        department: n.department,
        severity: 'critical',
        details: { failures },
      });
      throw new TerminalError(
        Reason.UnrepairableDrift,
        `${n.schema} cannot be repaired in place: ${failures.join('; ')}`.slice(0, 2000),
      );
    }
    const breaches = version >= 2 ? await proveIsolation(pool, n, { ...endpoint, user: n.role, password }) : undefined;
    if (breaches && breaches.length > 0) {
      await markFailed(pool, ctx, n);
      await withdrawCredentials(pool, ctx, n);
      await refuse(pool, ctx, n, 'ISOLATION_BREACHED', Reason.IsolationBreached, { breaches });
      throw new TerminalError(
        Reason.IsolationBreached,
        `${n.role} could: ${breaches.join('; ')}. Its Secret ${DATABASE_SECRET} was withdrawn and it can no longer log in`,
      );
    }
    // Before row-level security (a pinned old version) nothing is proven: not ready, not a breach either.
    if (breaches === undefined) await markFailed(pool, ctx, n);
    else {
      await upsertDepartmentRow(pool, ctx.department, n, 'ACTIVE');
      await recordProgress(pool, n.department, ctx.department.metadata.generation, 'database', 'completed');
    }
    const vectorNote = ctx.department.spec.enabledTools?.includes('vector_store') ? await vectorSearch() : '';
    return result(n, version, breaches, endpoint, vectorNote);
  };

  return {
    name: 'database',
    conditionType: DATABASE_READY,
    dependsOn: ['namespace'],
    // No Report policy: drift in a tenant's isolation is always repaired.
    drift: { subject: 'Postgres' },
    // Proving isolation takes a login as the tenant role and a dozen statements: once per interval, not on every
    // pass another component needs.
    checkIntervalMs: options.checkIntervalMs ?? CHECK_INTERVAL_MS,

    /**
     * Drift in a tenant federation provisioned: its role's attributes, memberships and databases, and its schema
     * at the version it is at. Never up to date: apply proves isolation on every pass. A tenant not (yet) known
     * to be federation's shows no drift: apply claims it or refuses it.
     */
    async observe(ctx) {
      const name = ctx.department.metadata.name;
      // A name apply refuses (with its Event and audit row) has no tenant to observe.
      if (!isValidDepartmentName(name) || isReservedDepartmentName(name)) return { exists: false, upToDate: false };
      const n = tenantNames(name);
      const version = await currentVersion(pool, n.department);
      if (version < 1 || !(await ownsRole(pool, n))) return { exists: false, upToDate: false };
      const [schema, role, connect] = await Promise.all([
        findSchemaDrift(pool, n, version),
        findRoleDrift(pool, n),
        findConnectDrift(pool, n),
      ]);
      if (!schema.exists) return { exists: false, upToDate: false };
      return { exists: true, upToDate: false, drift: [...role, ...schema.drift, ...connect].map((d) => d.detail) };
    },

    async apply(ctx) {
      try {
        return await apply(ctx);
      } catch (error) {
        if (error instanceof TenantRefusal || isReservedName(error)) {
          const name = ctx.department.metadata.name;
          await deleteDatabaseSecret(ctx.kube, ctx.namespace, ctx.department.metadata.name);
          await refuse(pool, ctx, { department: name }, 'TENANT_CLAIM_REFUSED', error.reason, {
            reason: error.reason,
            message: error.message,
          });
        }
        throw error;
      }
    },

    async delete(ctx) {
      const n = tenantNamesFor(validDepartmentName(ctx.department.metadata.name));
      const policy = ctx.department.spec.deletionPolicy;
      const kept = await deprovisionTenant(pool, ctx.kube, ctx.namespace, n, policy);
      const foreign = `${n.role} is not federation's and was left alone`;
      const message =
        policy === 'Retain'
          ? `${n.schema} retained; ${kept.roleOwned ? `${n.role} can no longer log in` : foreign}`
          : kept.roleOwned
            ? `${n.schema} and ${n.role} dropped`
            : `${n.schema} dropped; ${foreign}`;
      return {
        condition: { status: 'False', reason: policy === 'Retain' ? Reason.Retained : Reason.Deleted, message },
      };
    },
  };
}

async function markFailed(pool: pg.Pool, ctx: ComponentContext, n: TenantNames): Promise<void> {
  await upsertDepartmentRow(pool, ctx.department, n, 'FAILED');
  await recordProgress(pool, n.department, ctx.department.metadata.generation, 'database', 'failed');
}

function isReservedName(error: unknown): error is TerminalError {
  return error instanceof TerminalError && error.reason === Reason.ReservedDepartmentName;
}

/** After a breach: the role can no longer log in, its sessions end, and its Secret is deleted. */
async function withdrawCredentials(pool: pg.Pool, ctx: ComponentContext, n: TenantNames): Promise<void> {
  await withTenantLock(pool, n.department, async (client) => {
    await client.query(`ALTER ROLE ${ident(n.role)} NOLOGIN`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [n.role]);
  });
  await deleteDatabaseSecret(ctx.kube, ctx.namespace, ctx.department.metadata.name);
}

function result(
  n: TenantNames,
  version: number,
  breaches: string[] | undefined,
  endpoint: DatabaseEndpoint,
  note = '',
): ComponentResult {
  // A breach never gets here: it stalls (see apply). Before row-level security there is nothing to prove yet.
  const isolation =
    breaches === undefined
      ? {
          status: 'False' as const,
          reason: Reason.RlsNotApplied,
          message: `${n.schema} is at version ${version}, before row-level security`,
        }
      : {
          status: 'True' as const,
          reason: Reason.IsolationProven,
          message: `${n.role} cannot read other departments’ data`,
        };
  const condition =
    isolation.status !== 'True'
      ? { status: 'False' as const, reason: Reason.IsolationNotProven, message: isolation.message }
      : { status: 'True' as const, reason: Reason.Provisioned, message: `${n.schema} at version ${version}${note}` };
  return {
    condition,
    extraConditions: [{ type: ISOLATION_VERIFIED, ...isolation }],
    status: { tenantSchema: n.schema, schemaVersion: version },
    outputs: outputs(endpoint, n),
    ...(condition.status === 'True' ? {} : { requeueAfterMs: NOT_READY_REQUEUE_MS }),
  };
}
