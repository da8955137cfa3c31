import type pg from 'pg';
import { recordSecurityEvent } from '../../controller/platform/database/federation-records.ts';
import type { ComponentContext } from '../component.ts';
import { Reason } from './conditions.ts';
import { DATABASE_SECRET } from './database-secret.ts';
import type { TenantNames } from './names.ts';
import type { ClaimNote } from './tenant-claim.ts';
import type { Drift } from './tenant-role.ts';

/** A refusal: a Warning event on the Department and a critical security_audit row. */
export async function refuse(
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

/** Drift and renames as Warning events and security_audit rows; lost data gets an event of its own. */
export async function reportChanges(
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
    await recordSecurityEvent(pool, {
      type: 'TENANT_RENAMED',
      department: n.department,
      severity: 'info',
      details: { renamed: renames.map((r) => r.detail) },
    });
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
