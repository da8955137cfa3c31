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
import { DATABASE_READY, ISOLATION_VERIFIED, Reason, SCHEMA_VERSION_ANNOTATION } from './conditions.ts';
import { DATABASE_SECRET, type DatabaseEndpoint, ensureDatabaseSecret } from './database-secret.ts';
import { proveIsolation } from './isolation-proof.ts';
import { type TenantNames, tenantNames } from './names.ts';
import { deprovisionTenant } from './tenant-deprovision.ts';
import { repairSchemaDrift } from './tenant-drift.ts';
import { withTenantLock } from './tenant-lock.ts';
import { migrateTenant } from './tenant-migrate.ts';
import { LATEST_VERSION, TENANT_MIGRATIONS, type TenantMigration } from './tenant-migrations.ts';
import { ensureTenantRole } from './tenant-role.ts';
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

  return {
    name: 'database',
    conditionType: DATABASE_READY,
    dependsOn: ['namespace'],

    async apply(ctx) {
      const n = tenantNames(ctx.department.metadata.name);
      const target = pinnedVersion(ctx, latest);
      const password = await ensureDatabaseSecret(ctx.kube, ctx.department, ctx.namespace, endpoint, n);
      const { version, drift } = await withTenantLock(pool, n.department, async (client) => {
        await upsertDepartmentRow(client, ctx.department, n, 'PROVISIONING');
        const roleDrift = await ensureTenantRole(client, n, password);
        const migrated = await migrateTenant(client, n, { target, migrations });
        const schemaDrift = await repairSchemaDrift(client, n, migrated.to);
        return { version: migrated.to, drift: [...roleDrift, ...schemaDrift] };
      });
      if (drift.length > 0) {
        const note = `repaired: ${drift.map((d) => d.detail).join('; ')}`.slice(0, 1000);
        ctx.log.warn('tenant drift repaired', { department: n.department, drift: drift.map((d) => d.kind) });
        await recordSecurityEvent(pool, {
          type: 'DRIFT_REPAIRED',
          department: n.department,
          severity: 'warning',
          details: { drift },
        });
        await ctx.events.event('Warning', Reason.DriftRepaired, note);
      }
      const failures = await validateTenant(pool, n, version);
      const breaches =
        version >= 2 ? await proveIsolation(pool, n, { ...endpoint, user: n.role, password }) : undefined;
      const ready = failures.length === 0 && breaches?.length === 0;
      await upsertDepartmentRow(pool, ctx.department, n, ready ? 'ACTIVE' : 'FAILED');
      await recordProgress(
        pool,
        n.department,
        ctx.department.metadata.generation,
        'database',
        ready ? 'completed' : 'failed',
      );
      return result(n, version, failures, breaches, endpoint);
    },

    async delete(ctx) {
      const n = tenantNames(ctx.department.metadata.name);
      const policy = ctx.department.spec.deletionPolicy;
      await deprovisionTenant(pool, ctx.kube, ctx.namespace, n, policy);
      const message =
        policy === 'Retain'
          ? `${n.schema} retained; ${n.role} can no longer log in`
          : `${n.schema} and ${n.role} dropped`;
      return {
        condition: { status: 'False', reason: policy === 'Retain' ? Reason.Retained : Reason.Deleted, message },
      };
    },
  };
}

function result(
  n: TenantNames,
  version: number,
  failures: string[],
  breaches: string[] | undefined,
  endpoint: DatabaseEndpoint,
): ComponentResult {
  const isolation =
    breaches === undefined
      ? {
          status: 'False' as const,
          reason: Reason.RlsNotApplied,
          message: `${n.schema} is at version ${version}, before row-level security`,
        }
      : breaches.length === 0
        ? {
            status: 'True' as const,
            reason: Reason.IsolationProven,
            message: `${n.role} cannot read other departments’ data`,
          }
        : {
            status: 'False' as const,
            reason: Reason.IsolationBreached,
            message: `${n.role} could: ${breaches.join('; ')}`,
          };
  const condition =
    failures.length > 0
      ? { status: 'False' as const, reason: Reason.ValidationFailed, message: failures.join('; ').slice(0, 2000) }
      : isolation.status !== 'True'
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
