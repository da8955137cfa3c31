import { CoreV1Api } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Component } from '../../controller/core/component.ts';
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
import { createDatabaseComponent } from './database-component.ts';
import { tenantNames } from './names.ts';

const hr = randomDepartment('hr');
const HR = tenantNames(hr);
const department = departmentObject(hr);

describe('database component drift repair', () => {
  let db: TestDatabase;
  let component: Component;
  const kc = kubeConfigFrom(inject('kubeconfig'));

  /** Reconciles once and returns the Warning events it recorded. */
  async function reconcile(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    const result = await component.apply(testContext(kc, department, events));
    expect(result.condition, result.condition.message).toMatchObject({ status: 'True', reason: 'Provisioned' });
    return events;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    await createNamespace(kc, hr);
    expect(await reconcile()).toEqual([]);
  });

  afterAll(async () => {
    await db?.drop([hr]);
  });

  it('does change nothing and report nothing when nothing drifted', async () => {
    expect(await reconcile()).toEqual([]);
  });

  it('does restore a dropped policy', async () => {
    await db.pool.query(`DROP POLICY tenant_isolation ON ${HR.schema}.contacts`);
    const events = await reconcile();
    expect(events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'DriftRepaired' })]);
    expect(events[0]?.note).toContain('tenant_isolation was missing on contacts');
    const { rowCount } = await db.pool.query(
      "SELECT 1 FROM pg_policies WHERE schemaname = $1 AND tablename = 'contacts' AND policyname = 'tenant_isolation'",
      [HR.schema],
    );
    expect(rowCount).toBe(1);
  });

  it('does drop a policy someone added', async () => {
    await db.pool.query(`CREATE POLICY "Leak" ON ${HR.schema}.api_keys TO PUBLIC USING (true)`);
    expect((await reconcile())[0]?.note).toContain('unexpected policy Leak on api_keys');
    const { rowCount } = await db.pool.query("SELECT 1 FROM pg_policies WHERE policyname = 'Leak'");
    expect(rowCount).toBe(0);
  });

  it('does re-enable and re-force row-level security', async () => {
    await db.pool.query(`ALTER TABLE ${HR.schema}.email_logs DISABLE ROW LEVEL SECURITY`);
    await db.pool.query(`ALTER TABLE ${HR.schema}.tool_calls NO FORCE ROW LEVEL SECURITY`);
    const note = (await reconcile())[0]?.note;
    expect(note).toContain('email_logs');
    expect(note).toContain('tool_calls');
    const { rows } = await db.pool.query(
      `SELECT bool_and(relrowsecurity AND relforcerowsecurity) AS ok FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [HR.schema],
    );
    expect(rows[0].ok).toBe(true);
  });

  it('does remove an added BYPASSRLS', async () => {
    await db.pool.query(`ALTER ROLE ${HR.role} BYPASSRLS CREATEDB`);
    expect((await reconcile())[0]?.note).toContain('had BYPASSRLS');
    const { rows } = await db.pool.query('SELECT rolbypassrls, rolcreatedb FROM pg_roles WHERE rolname = $1', [
      HR.role,
    ]);
    expect(rows[0]).toEqual({ rolbypassrls: false, rolcreatedb: false });
  });

  it('does revoke an extra role granted', async () => {
    await db.pool.query(`GRANT pg_read_all_data, federation_admin_role TO ${HR.role}`);
    const note = (await reconcile())[0]?.note;
    expect(note).toContain('member of pg_read_all_data');
    expect(note).toContain('member of federation_admin_role');
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1',
      [HR.role],
    );
    expect(rows[0].n).toBe(0);
    const { rows: audit } = await db.pool.query(
      "SELECT count(*)::int AS n FROM federation.security_audit WHERE event_type = 'DRIFT_REPAIRED' AND department_id = $1",
      [hr],
    );
    expect(audit[0].n).toBeGreaterThanOrEqual(5);
  });

  it('does rotate the password when the Secret is deleted', async () => {
    const api = kc.makeApiClient(CoreV1Api);
    const read = async () =>
      Buffer.from(
        (await api.readNamespacedSecret({ name: 'database', namespace: `dept-${hr}` })).data?.password ?? '',
        'base64',
      ).toString();
    const before = await read();
    await api.deleteNamespacedSecret({ name: 'database', namespace: `dept-${hr}` });
    await reconcile();
    const after = await read();
    expect(after).not.toBe(before);
    const login = async (password: string) => {
      const client = new pg.Client({ ...db.endpoint, user: HR.role, password });
      try {
        await client.connect();
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    expect(await login(after)).toBe(true);
    expect(await login(before)).toBe(false);
  });
});
