import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createNamespace,
  createTestDatabase,
  departmentObject,
  kubeConfigFrom,
  type RecordedEvent,
  randomDepartment,
  type TestDatabase,
  testContext,
} from '../../e2e/support/database.ts';
import { createDatabaseComponent } from './component.ts';
import { tenantNames } from './names.ts';

const hr = randomDepartment('hr');
const sales = randomDepartment('sales');
const HR = tenantNames(hr);
const SALES = tenantNames(sales);

describe('database component isolation', () => {
  let db: TestDatabase;
  let asHr: pg.Client;
  const kc = kubeConfigFrom(inject('kubeconfig'));

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    const component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    for (const name of [hr, sales]) {
      await createNamespace(kc, name);
      const result = await component.apply(testContext(kc, departmentObject(name)));
      expect(result.condition, result.condition.message).toMatchObject({ status: 'True', reason: 'Provisioned' });
      expect(result.extraConditions).toContainEqual(
        expect.objectContaining({ type: 'IsolationVerified', status: 'True' }),
      );
    }
    const { rows } = await db.pool.query("SELECT current_setting('password_encryption') AS p");
    expect(rows[0].p).toBe('scram-sha-256');
    const password = await readPassword(kc, hr);
    asHr = new pg.Client({ ...db.endpoint, user: HR.role, password });
    await asHr.connect();
    asHr.on('error', () => undefined); // the breach test ends this session on purpose
    await db.pool.query(`INSERT INTO ${SALES.schema}.contacts (name, email) VALUES ('Sales Person', 's@x.io')`);
    await db.pool.query(`INSERT INTO ${HR.schema}.contacts (department_id, name) VALUES ($1, 'Smuggled')`, [sales]);
    await db.pool.query(`INSERT INTO ${HR.schema}.contacts (name) VALUES ('Own Person')`);
  });

  afterAll(async () => {
    await asHr?.end().catch(() => undefined);
    await db?.drop([hr, sales]);
  });

  it('does not let hr_role read sales_tenant', async () => {
    await expect(asHr.query(`SELECT * FROM ${SALES.schema}.contacts`)).rejects.toThrow(/permission denied/);
  });

  it('does not let hr_role read federation tables', async () => {
    for (const table of ['departments', 'cross_dept_permissions', 'schema_migrations', 'oauth_credentials']) {
      await expect(asHr.query(`SELECT * FROM federation.${table}`)).rejects.toThrow(/permission denied/);
    }
  });

  it('does not let hr_role SET ROLE to another role', async () => {
    for (const role of [SALES.role, 'cross_dept_query_role', 'federation_admin_role', 'federation_owner']) {
      await expect(asHr.query(`SET ROLE ${role}`)).rejects.toThrow(/permission denied/);
    }
  });

  it('does show hr_role only its own rows, even with app.source_department set', async () => {
    const own = await asHr.query('SELECT name FROM contacts ORDER BY name');
    expect(own.rows).toEqual([{ name: 'Own Person' }]);
    await asHr.query("SELECT set_config('app.source_department', $1, false)", [sales]);
    const again = await asHr.query('SELECT name, department_id FROM contacts');
    expect(again.rows).toEqual([{ name: 'Own Person', department_id: hr }]);
    await expect(asHr.query(`SELECT * FROM ${SALES.schema}.contacts`)).rejects.toThrow(/permission denied/);
  });

  it('does refuse hr_role rows written for another department', async () => {
    await expect(
      asHr.query('INSERT INTO contacts (department_id, name) VALUES ($1, $2)', [sales, 'x']),
    ).rejects.toThrow(/row-level security/);
  });

  it('does give hr_role no dangerous attributes and no memberships', async () => {
    const { rows } = await db.pool.query(
      `SELECT rolcanlogin, rolbypassrls, rolsuper, rolconfig,
              (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid)::int AS memberships
         FROM pg_roles r WHERE rolname = $1`,
      [HR.role],
    );
    expect(rows[0]).toEqual({
      rolcanlogin: true,
      rolbypassrls: false,
      rolsuper: false,
      rolconfig: [`search_path=${HR.schema}`],
      memberships: 0,
    });
  });

  // Last: it withdraws hr's credentials.
  it('does stall, audit, warn, end the login and withdraw the Secret when isolation is breached', async () => {
    // Someone hands the tenant role the control-plane table of every department.
    await db.pool.query(`GRANT USAGE ON SCHEMA federation TO ${HR.role}`);
    await db.pool.query(`GRANT SELECT ON federation.departments TO ${HR.role}`);
    const component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    const events: RecordedEvent[] = [];
    const apply = component.apply(testContext(kc, departmentObject(hr), events));
    await expect(apply).rejects.toMatchObject({ name: 'TerminalError', reason: 'IsolationBreached' });
    await expect(apply).rejects.toThrow(/read federation\.departments.*withdrawn/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'IsolationBreached' }));
    const { rows: audit } = await db.pool.query(
      "SELECT severity FROM federation.security_audit WHERE event_type = 'ISOLATION_BREACHED' AND department_id = $1",
      [hr],
    );
    expect(audit).toEqual([{ severity: 'critical' }]);
    await expect(readPassword(kc, hr)).rejects.toMatchObject({ code: 404 });
    await expect(asHr.query('SELECT 1')).rejects.toThrow(); // its session was ended
    const { rows } = await db.pool.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [HR.role]);
    expect(rows).toEqual([{ rolcanlogin: false }]);
    const { rows: status } = await db.pool.query('SELECT status FROM federation.departments WHERE department_id = $1', [
      hr,
    ]);
    expect(status).toEqual([{ status: 'FAILED' }]);

    // Once the cause is gone, a reconcile (the user's retry) issues new credentials and proves isolation again.
    await db.pool.query(`REVOKE SELECT ON federation.departments FROM ${HR.role}`);
    await db.pool.query(`REVOKE USAGE ON SCHEMA federation FROM ${HR.role}`);
    const result = await component.apply(testContext(kc, departmentObject(hr)));
    expect(result.condition).toMatchObject({ status: 'True', reason: 'Provisioned' });
    const fresh = new pg.Client({ ...db.endpoint, user: HR.role, password: await readPassword(kc, hr) });
    await fresh.connect();
    await fresh.end();
  });
});

async function readPassword(kc: ReturnType<typeof kubeConfigFrom>, department: string): Promise<string> {
  const { CoreV1Api } = await import('@kubernetes/client-node');
  const secret = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ name: 'database', namespace: `dept-${department}` });
  return Buffer.from(secret.data?.password ?? '', 'base64').toString();
}
