import type pg from 'pg';
import {
  type Component,
  type ComponentContext,
  type ComponentResult,
  TerminalError,
} from '../../controller/core/component.ts';
import {
  recordProgress,
  recordSecurityEvent,
  upsertDepartmentRow,
} from '../../controller/platform/database/federation-records.ts';
import { tenantNamesFor } from '../../crds/names.ts';
import { DATABASE_READY, ISOLATION_VERIFIED, Reason, SCHEMA_VERSION_ANNOTATION } from './conditions.ts';
import {
  DATABASE_SECRET,
  type DatabaseEndpoint,
  deleteDatabaseSecret,
  ensureDatabaseSecret,
} from './database-secret.ts';
import { proveIsolation } from './isolation-proof.ts';
import { ident, type TenantNames, tenantNames, validDepartmentName } from './names.ts';
import { type ClaimNote, claimTenant, TenantRefusal } from './tenant-claim.ts';
import { deprovisionTenant } from './tenant-deprovision.ts';
import { repairSchemaDrift } from './tenant-drift.ts';
import { withTenantLock } from './tenant-lock.ts';
import { migrateTenant } from './tenant-migrate.ts';
import { LATEST_VERSION, TENANT_MIGRATIONS, type TenantMigration } from './tenant-migrations.ts';
import { type Drift, ensureTenantRole } from './tenant-role.ts';
import { validateTenant } from './tenant-validate.ts';

export interface DatabaseComponentOptions {
  /** A pool connected as the controller's database user (superuser or owner of the platform roles). */
  pool: pg.Pool;
  /** Where department workloads reach the database; written into each department's Secret. */
  endpoint: DatabaseEndpoint;
  /** The shipped tenant migrations (tests pass a prefix to simulate an older operator). */
  migrations?: readonly TenantMigration[];
}

const NOT_READY_REQUEUE_MS = 30_000;

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

  const converge = async (ctx: ComponentContext, n: TenantNames, target: number) =>
    withTenantLock(pool, n.department, async (client) => {
      // Nothing is written (not even the Secret) before the names are known to be federation's own.
      const notes = await claimTenant(client, n);
      const password = await ensureDatabaseSecret(ctx.kube, ctx.department, ctx.namespace, endpoint, n);
      await upsertDepartmentRow(client, ctx.department, n, 'PROVISIONING');
      const roleDrift = await ensureTenantRole(client, n, password);
      const migrated = await migrateTenant(client, n, { target, migrations });
      const schemaDrift = await repairSchemaDrift(client, n, migrated.to);
      return { version: migrated.to, password, notes, drift: [...roleDrift, ...schemaDrift] };
    });

  const apply = async (ctx: ComponentContext): Promise<ComponentResult> => {
    const n = tenantNames(ctx.department.metadata.name);
    const target = pinnedVersion(ctx, latest);
    const { version, password, notes, drift } = await converge(ctx, n, target);
    await reportChanges(ctx, pool, n, notes, drift);
    const failures = await validateTenant(pool, n, version);
    if (failures.length > 0) {
      await upsertDepartmentRow(pool, ctx.department, n, 'FAILED');
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
      await upsertDepartmentRow(pool, ctx.department, n, 'FAILED');
      await withdrawCredentials(pool, ctx, n);
      await refuse(pool, ctx, n, 'ISOLATION_BREACHED', Reason.IsolationBreached, { breaches });
      throw new TerminalError(
        Reason.IsolationBreached,
        `${n.role} could: ${breaches.join('; ')}. Its Secret ${DATABASE_SECRET} was withdrawn and it can no longer log in`,
      );
    }
    await upsertDepartmentRow(pool, ctx.department, n, 'ACTIVE');
    await recordProgress(pool, n.department, ctx.department.metadata.generation, 'database', 'completed');
    return result(n, version, breaches, endpoint);
  };

  return {
    name: 'database',
    conditionType: DATABASE_READY,
    dependsOn: ['namespace'],

    async apply(ctx) {
      try {
        return await apply(ctx);
      } catch (error) {
        if (error instanceof TenantRefusal || isReservedName(error)) {
          const name = ctx.department.metadata.name;
          await deleteDatabaseSecret(ctx.kube, ctx.namespace);
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
      const role = kept.roleOwned ? n.role : `no role (${n.role} is not federation's and was left alone)`;
      const message =
        policy === 'Retain' ? `${n.schema} retained; ${role} can no longer log in` : `${n.schema} and ${role} dropped`;
      return {
        condition: { status: 'False', reason: policy === 'Retain' ? Reason.Retained : Reason.Deleted, message },
      };
    },
  };
}

function isReservedName(error: unknown): error is TerminalError {
  return error instanceof TerminalError && error.reason === Reason.ReservedDepartmentName;
}

/** A refusal: a Warning event on the Department and a critical security_audit row. */
async function refuse(
  pool: pg.Pool,
  ctx: ComponentContext,
  n: Pick<TenantNames, 'department'>,
  type: string,
  reason: string,
  details: Record<string, unknown>,
): Promise<void> {
  await recordSecurityEvent(pool, { type, department: n.department, severity: 'critical', details });
  const message = typeof details.message === 'string' ? details.message : JSON.stringify(details);
  await ctx.events.event('Warning', reason, message.slice(0, 1000));
}

/** After a breach: the role can no longer log in, its sessions end, and its Secret is deleted. */
async function withdrawCredentials(pool: pg.Pool, ctx: ComponentContext, n: TenantNames): Promise<void> {
  await withTenantLock(pool, n.department, async (client) => {
    await client.query(`ALTER ROLE ${ident(n.role)} NOLOGIN`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [n.role]);
  });
  await deleteDatabaseSecret(ctx.kube, ctx.namespace);
}

/** Drift and renames as Warning events and security_audit rows; lost data gets an event of its own. */
async function reportChanges(
  ctx: ComponentContext,
  pool: pg.Pool,
  n: TenantNames,
  notes: ClaimNote[],
  drift: Drift[],
): Promise<void> {
  const renames = notes.filter((x) => x.kind === 'Renamed');
  if (renames.length > 0) {
    const note = `moved to the reserved tenant names: ${renames.map((r) => r.detail).join('; ')}; Secret ${DATABASE_SECRET} updated`;
    await ctx.events.event('Normal', Reason.TenantRenamed, note);
  }
  const lost = [
    ...notes.filter((x) => x.kind === 'SchemaMissing').map((x) => x.detail),
    ...drift.filter((d) => d.kind === 'TableMissing').map((d) => d.detail),
  ];
  if (lost.length > 0) {
    const note = `${lost.join('; ')}. Rows in what was dropped are lost; restore them from a backup if they matter`;
    await ctx.events.event('Warning', Reason.TableRecreated, note.slice(0, 1000));
  }
  const repaired = [...notes.filter((x) => x.kind === 'SchemaMissing'), ...drift];
  if (repaired.length === 0) return;
  ctx.log.warn('tenant drift repaired', { department: n.department, drift: repaired.map((d) => d.kind) });
  await recordSecurityEvent(pool, {
    type: 'DRIFT_REPAIRED',
    department: n.department,
    severity: 'warning',
    details: { drift: repaired },
  });
  if (drift.length > 0) {
    const note = `repaired: ${drift.map((d) => d.detail).join('; ')}`.slice(0, 1000);
    await ctx.events.event('Warning', Reason.DriftRepaired, note);
  }
}

function result(
  n: TenantNames,
  version: number,
  breaches: string[] | undefined,
  endpoint: DatabaseEndpoint,
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
      : { status: 'True' as const, reason: Reason.Provisioned, message: `${n.schema} at version ${version}` };
  return {
    condition,
    extraConditions: [{ type: ISOLATION_VERIFIED, ...isolation }],
    status: { tenantSchema: n.schema, schemaVersion: version },
    outputs: outputs(endpoint, n),
    ...(condition.status === 'True' ? {} : { requeueAfterMs: NOT_READY_REQUEUE_MS }),
  };
}
