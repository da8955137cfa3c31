import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PLATFORM_ROLES } from '../../controller/platform/database/platform-roles.ts';
import { DEPARTMENT_LABEL, namespaceFor, tenantNamesFor } from '../../crds/names.ts';
import {
  createTestDatabase,
  departmentObject,
  kubeConfigFrom,
  type RecordedEvent,
  randomDepartment,
  type TestDatabase,
  testContext,
} from '../../e2e/support/database.ts';
import type { Component } from '../component.ts';
import { createDatabaseComponent } from './component.ts';

/** Names that spell platform roles: under legacy naming (`<name>_role`) the first two would be platform roles. */
const RESERVED = ['federation-admin', 'cross-dept-query', 'federation', 'postgres', 'pg-signal-backend', 'n8n'];
/** Roles whose every attribute must survive: the platform's, Postgres's own, n8n's (and the superuser's, below). */
const WATCHED = [...PLATFORM_ROLES, 'postgres', 'pg_signal_backend', 'n8n'];

const foreign = randomDepartment('foreign');
const namesake = randomDepartment('namesake');
const squatted = randomDepartment('squatted');

describe('database component claims', () => {
  let db: TestDatabase;
  let component: Component;
  const kc = kubeConfigFrom(inject('kubeconfig'));
  const core = kc.makeApiClient(CoreV1Api);

  /** Everything about a role that taking it over would change. */
  async function roles(names: string[]) {
    const { rows } = await db.pool.query(
      `SELECT a.rolname, a.rolcanlogin, a.rolsuper, a.rolinherit, a.rolcreaterole, a.rolcreatedb, a.rolreplication,
              a.rolbypassrls, a.rolpassword, (SELECT rolconfig FROM pg_roles r WHERE r.oid = a.oid) AS rolconfig,
              a.rolvaliduntil::text AS valid_until,
              shobj_description(a.oid, 'pg_authid') AS comment,
              (SELECT array_agg(r.rolname ORDER BY r.rolname) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                WHERE m.member = a.oid) AS member_of
         FROM pg_authid a WHERE a.rolname = ANY($1) ORDER BY a.rolname`,
      [names],
    );
    return rows;
  }

  async function secretExists(department: string): Promise<boolean> {
    return core.readNamespacedSecret({ name: 'database', namespace: namespaceFor(department) }).then(
      () => true,
      (error: { code?: number }) => {
        if (error.code === 404) return false;
        throw error;
      },
    );
  }

  async function audit(department: string): Promise<{ event_type: string; severity: string }[]> {
    const { rows } = await db.pool.query(
      'SELECT event_type, severity FROM federation.security_audit WHERE department_id = $1',
      [department],
    );
    return rows;
  }

  async function ensureNamespace(department: string): Promise<void> {
    await core.createNamespace({ body: { metadata: { name: namespaceFor(department) } } }).catch(() => undefined);
  }

  /** Applies and expects a refusal: Stalled reason, a Warning event, a critical audit row, no Secret. */
  async function expectRefused(department: string, reason: string): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    const apply = component.apply(testContext(kc, departmentObject(department), events));
    await expect(apply).rejects.toMatchObject({ name: 'TerminalError', reason });
    expect(events).toEqual([expect.objectContaining({ type: 'Warning', reason })]);
    expect(await audit(department)).toEqual([{ event_type: 'TENANT_CLAIM_REFUSED', severity: 'critical' }]);
    expect(await secretExists(department)).toBe(false);
    return events;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    // n8n's own role, as the platform gives n8n one; it exists on the cluster like the platform roles do.
    await db.pool.query('CREATE ROLE n8n NOLOGIN').catch((e: { code?: string }) => {
      if (e.code !== '42710') throw e;
    });
    const { rows } = await db.pool.query<{ me: string }>('SELECT current_user AS me');
    WATCHED.push(rows[0]?.me ?? 'postgres');
  });

  afterAll(async () => {
    await db?.drop([]);
    const admin = await createTestDatabase(inject('databaseUrl'));
    for (const role of [tenantNamesFor(foreign).role, namesake.replaceAll('-', '_')]) {
      await admin.pool.query(`DROP ROLE IF EXISTS ${role}`);
    }
    await admin.drop([]);
  });

  it.each(RESERVED)('does end Stalled for %s with no Secret and the platform roles unchanged', async (name) => {
    await ensureNamespace(name);
    const before = await roles(WATCHED);
    expect(before.map((r) => r.rolname)).toEqual(
      expect.arrayContaining([...PLATFORM_ROLES, 'pg_signal_backend', 'n8n']),
    );
    await expectRefused(name, 'ReservedDepartmentName');
    expect(await roles(WATCHED)).toEqual(before);
    // Nothing was created under either naming, and deleting the Department drops nothing.
    const old = `${name.replaceAll('-', '_')}_role`;
    const created = await roles([tenantNamesFor(name).role, ...(WATCHED.includes(old) ? [] : [old])]);
    expect(created).toEqual([]);
    await component.delete(testContext(kc, departmentObject(name)));
    expect(await roles(WATCHED)).toEqual(before);
  });

  it('does refuse to adopt an existing role it did not create, and leaves it as it was', async () => {
    const role = tenantNamesFor(foreign).role;
    await db.pool.query(`CREATE ROLE ${role} NOLOGIN`);
    await db.pool.query(`GRANT SELECT ON federation.departments TO ${role}`);
    await ensureNamespace(foreign);
    // A Secret from before (written, with its label, when an older controller adopted the role) is withdrawn too.
    await core.createNamespacedSecret({
      namespace: namespaceFor(foreign),
      body: {
        metadata: { name: 'database', labels: { [DEPARTMENT_LABEL]: foreign } },
        stringData: { user: role, password: 'adopted-earlier' },
      },
    });
    const before = await roles([role]);
    const [event] = await expectRefused(foreign, 'RoleNotOwned');
    expect(event?.note).toContain(`${role} exists but federation did not create it`);
    expect(await roles([role])).toEqual(before);
    expect(before[0]).toMatchObject({ rolcanlogin: false, rolpassword: null });
  });

  it('does never drop a role it does not own when the Department is deleted', async () => {
    const role = tenantNamesFor(foreign).role;
    const before = await roles([role]);
    const result = await component.delete(testContext(kc, departmentObject(foreign)));
    expect(result.condition.message).toContain('was left alone');
    expect(await roles([role])).toEqual(before);
  });

  it('does refuse a Department named after an existing role', async () => {
    const role = namesake.replaceAll('-', '_');
    await db.pool.query(`CREATE ROLE ${role} NOLOGIN`);
    await ensureNamespace(namesake);
    await expectRefused(namesake, 'NameCollidesWithRole');
    expect(await roles([tenantNamesFor(namesake).role])).toEqual([]);
  });

  it('does refuse a tenant schema it did not create, and leaves it as it was', async () => {
    const { schema } = tenantNamesFor(squatted);
    await db.pool.query(`CREATE SCHEMA ${schema}`);
    await db.pool.query(`CREATE TABLE ${schema}.contacts (name text)`);
    await db.pool.query(`INSERT INTO ${schema}.contacts VALUES ('someone else''s')`);
    await ensureNamespace(squatted);
    await expectRefused(squatted, 'SchemaNotOwned');
    const { rows } = await db.pool.query(`SELECT name FROM ${schema}.contacts`);
    expect(rows).toEqual([{ name: "someone else's" }]);
    expect(await roles([tenantNamesFor(squatted).role])).toEqual([]);
  });
});
