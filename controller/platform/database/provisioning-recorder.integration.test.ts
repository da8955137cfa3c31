import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DepartmentObject, Phase } from '../../../crds/department.ts';
import { tenantNamesFor } from '../../../crds/names.ts';
import {
  createTestDatabase,
  departmentObject,
  randomDepartment,
  type TestDatabase,
} from '../../../e2e/support/database.ts';
import type { ComponentReport, ReconcileReport } from '../../department/report.ts';
import { upsertDepartmentRow } from './federation-records.ts';
import { provisioningRecorder } from './provisioning-recorder.ts';

const component = (name: string, status: ComponentReport['status'], reason: string): ComponentReport => ({
  component: name,
  conditionType: `${name}Ready`,
  status,
  reason,
  message: `${name}: ${reason}`,
  terminal: false,
});

function report(phase: Phase, runtime: ComponentReport['status']): ReconcileReport {
  return {
    phase,
    deleting: false,
    starting: false,
    components: [
      component('database', 'True', 'Ready'),
      component('runtime', runtime, runtime === 'True' ? 'DeploymentSucceeded' : 'DeploymentCrashed'),
    ],
    status: { phase },
  };
}

describe('provisioning recorder: federation.departments.status', () => {
  let db: TestDatabase;
  const name = randomDepartment('rec');
  let department: DepartmentObject;

  const status = async () =>
    (await db.pool.query('SELECT status FROM federation.departments WHERE department_id = $1', [name])).rows[0]?.status;
  const events = async () =>
    (
      await db.pool.query(
        `SELECT event_type, details->>'to' AS "to" FROM federation.security_audit
          WHERE department_id = $1 AND event_type LIKE 'DEPARTMENT_%' ORDER BY id`,
        [name],
      )
    ).rows.map((r) => `${r.event_type}:${r.to}`);

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    department = departmentObject(name);
  });

  afterAll(async () => {
    await db?.drop([]);
  });

  it('does follow the phase: ACTIVE, FAILED when a component fails, ACTIVE again when it recovers', async () => {
    const record = provisioningRecorder({ pool: db.pool });
    // The database component proves the tenant first (ACTIVE), while the rest is still provisioning.
    await upsertDepartmentRow(db.pool, department, tenantNamesFor(name), 'ACTIVE');
    await record(department, report('Provisioning', 'Unknown'));
    expect(await status()).toBe('ACTIVE');
    await record(department, report('Active', 'True'));
    expect(await status()).toBe('ACTIVE');

    await record(department, report('Failed', 'False'));
    expect(await status()).toBe('FAILED');
    // The next reconcile's database component re-applies its tenant while the Department is still Failed.
    const failed = { ...department, status: { phase: 'Failed' as const } };
    await upsertDepartmentRow(db.pool, failed, tenantNamesFor(name), 'PROVISIONING');
    await upsertDepartmentRow(db.pool, failed, tenantNamesFor(name), 'ACTIVE');
    expect(await status()).toBe('FAILED');
    await record(failed, report('Failed', 'False'));
    expect(await status()).toBe('FAILED');

    await record(failed, report('Active', 'True'));
    expect(await status()).toBe('ACTIVE');
    expect(await events()).toEqual(['DEPARTMENT_FAILED:FAILED', 'DEPARTMENT_RECOVERED:ACTIVE']);
  });

  it('does let the database component mark its own failure even while the Department is Active', async () => {
    const active = { ...department, status: { phase: 'Active' as const } };
    await upsertDepartmentRow(db.pool, active, tenantNamesFor(name), 'FAILED');
    expect(await status()).toBe('FAILED');
    await upsertDepartmentRow(db.pool, active, tenantNamesFor(name), 'ACTIVE');
    expect(await status()).toBe('ACTIVE');
  });
});
