import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createNamespace,
  createTestDatabase,
  departmentObject,
  kubeConfigFrom,
  randomDepartment,
  type TestDatabase,
  testContext,
} from '../../e2e/support/database.ts';
import { createDatabaseComponent } from './component.ts';
import { tenantNames } from './names.ts';
import { runRetention } from './retention.ts';
import { withTenantLock } from './tenant-lock.ts';
import { currentVersion, migrateTenant, previewTenant } from './tenant-migrate.ts';
import { LATEST_VERSION, TENANT_MIGRATIONS } from './tenant-migrations.ts';
import { upgradeAllTenants } from './tenant-upgrade.ts';
import { validateTenant } from './tenant-validate.ts';

const departments = [randomDepartment('legal'), randomDepartment('ops'), randomDepartment('it')];

describe('tenant migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    const kc = kubeConfigFrom(inject('kubeconfig'));
    // An older operator that shipped only the first migration.
    const old = createDatabaseComponent({
      pool: db.pool,
      endpoint: db.endpoint,
      migrations: TENANT_MIGRATIONS.slice(0, 1),
    });
    for (const name of departments) {
      await createNamespace(kc, name);
      const result = await old.apply(testContext(kc, departmentObject(name)));
      expect(result.status?.schemaVersion).toBe(1);
      expect(result.extraConditions?.[0]).toMatchObject({ status: 'False', reason: 'RlsNotApplied' });
    }
  });

  afterAll(async () => {
    await db?.drop(departments);
  });

  it('does upgrade every existing department to the latest version', async () => {
    const outcomes = await upgradeAllTenants(db.pool, { concurrency: 2 });
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    for (const name of departments) {
      expect(await currentVersion(db.pool, name)).toBe(LATEST_VERSION);
      expect(await validateTenant(db.pool, tenantNames(name), LATEST_VERSION)).toEqual([]);
    }
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM federation.schema_migrations');
    expect(rows[0].n).toBe(departments.length * LATEST_VERSION);
  });

  it('does roll a department back to a version and forward again', async () => {
    const n = tenantNames(departments[0] as string);
    await db.pool.query(`INSERT INTO ${n.schema}.contacts (name) VALUES ('kept')`);
    const preview = await previewTenant(db.pool, n, { target: 1 });
    expect(preview).toContain('down 3 retention_functions');
    expect(preview).toContain('DROP POLICY IF EXISTS tenant_isolation');
    const down = await withTenantLock(db.pool, n.department, (c) => migrateTenant(c, n, { target: 1 }));
    expect(down).toMatchObject({ from: 4, to: 1 });
    const { rows: policies } = await db.pool.query('SELECT count(*)::int AS n FROM pg_policies WHERE schemaname = $1', [
      n.schema,
    ]);
    expect(policies[0].n).toBe(0);
    const up = await withTenantLock(db.pool, n.department, (c) => migrateTenant(c, n));
    expect(up.applied.map((a) => a.version)).toEqual([2, 3, 4]);
    expect(await validateTenant(db.pool, n, LATEST_VERSION)).toEqual([]);
    const { rows } = await db.pool.query(`SELECT name FROM ${n.schema}.contacts`);
    expect(rows).toEqual([{ name: 'kept' }]);
  });

  it('does run the retention functions, global and per department', async () => {
    const n = tenantNames(departments[1] as string);
    await db.pool.query(
      `INSERT INTO ${n.schema}.conversation_history (session_id, role, content, created_at)
       VALUES ('s', 'user', 'old', now() - interval '3 years'), ('s', 'user', 'new', now())`,
    );
    await db.pool.query(
      `INSERT INTO ${n.schema}.session_context (session_id, context_type, context_key, context_value, ttl_seconds, created_at)
       VALUES ('s', 'calendar', 'k', '{}', 60, now() - interval '1 hour'), ('s', 'calendar', 'k2', '{}', 3600, now())`,
    );
    await db.pool.query(
      `INSERT INTO federation.security_audit (event_type, created_at) VALUES ('OLD', now() - interval '3 years')`,
    );
    const report = await runRetention(db.pool);
    expect(report.securityAudit).toBe(1);
    expect(report.departments[n.department]).toEqual({ sessionContext: 1, conversationHistory: 1 });
  });
});
