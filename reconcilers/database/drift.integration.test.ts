import { CoreV1Api } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { converge } from '../../controller/department/converge.ts';
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
import type { Component } from '../component.ts';
import { createDatabaseComponent } from './component.ts';
import { tenantNames } from './names.ts';

const hr = randomDepartment('hr');
const HR = tenantNames(hr);
const department = departmentObject(hr);

/** The note of the Event the repair recorded (what the component repaired, after the reconciler's DriftDetected). */
function repaired(events: RecordedEvent[]): string | undefined {
  return events.find((e) => e.reason === 'DriftRepaired')?.note;
}

describe('database component drift repair', () => {
  let db: TestDatabase;
  let component: Component;
  const kc = kubeConfigFrom(inject('kubeconfig'));

  /** Reconciles once, as the Department reconciler runs the component, and returns the Events it recorded. */
  async function reconcile(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    const result = await converge(component, testContext(kc, department, events));
    expect(result.condition, result.condition.message).toMatchObject({ status: 'True', reason: 'Provisioned' });
    return events;
  }

  async function readPassword(): Promise<string> {
    const secret = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: 'database', namespace: `dept-${hr}` });
    return Buffer.from(secret.data?.password ?? '', 'base64').toString();
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
    expect(events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'DriftDetected' }),
      expect.objectContaining({ type: 'Warning', reason: 'DriftRepaired' }),
    ]);
    expect(events[0]?.note).toBe('Postgres differs, repairing: policy tenant_isolation was missing on contacts');
    expect(repaired(events)).toContain('tenant_isolation was missing on contacts');
    const { rowCount } = await db.pool.query(
      "SELECT 1 FROM pg_policies WHERE schemaname = $1 AND tablename = 'contacts' AND policyname = 'tenant_isolation'",
      [HR.schema],
    );
    expect(rowCount).toBe(1);
  });

  it('does drop a policy someone added', async () => {
    await db.pool.query(`CREATE POLICY "Leak" ON ${HR.schema}.api_keys TO PUBLIC USING (true)`);
    expect(repaired(await reconcile())).toContain('unexpected policy Leak on api_keys');
    const { rowCount } = await db.pool.query("SELECT 1 FROM pg_policies WHERE policyname = 'Leak'");
    expect(rowCount).toBe(0);
  });

  it('does re-enable and re-force row-level security', async () => {
    await db.pool.query(`ALTER TABLE ${HR.schema}.email_logs DISABLE ROW LEVEL SECURITY`);
    await db.pool.query(`ALTER TABLE ${HR.schema}.tool_calls NO FORCE ROW LEVEL SECURITY`);
    const note = repaired(await reconcile());
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
    expect(repaired(await reconcile())).toContain('had BYPASSRLS');
    const { rows } = await db.pool.query('SELECT rolbypassrls, rolcreatedb FROM pg_roles WHERE rolname = $1', [
      HR.role,
    ]);
    expect(rows[0]).toEqual({ rolbypassrls: false, rolcreatedb: false });
  });

  it('does revoke an extra role granted', async () => {
    await db.pool.query(`GRANT pg_read_all_data, federation_admin_role TO ${HR.role}`);
    const note = repaired(await reconcile());
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

  // A dropped tenant table must not leave DatabaseReady False ("relation does not exist") and the Department stuck.
  it('does recreate a dropped tenant table, empty, and say in a Warning event that its rows are lost', async () => {
    await db.pool.query(`INSERT INTO ${HR.schema}.feature_flags (flag_key) VALUES ('gone-with-the-table')`);
    await db.pool.query(`DROP TABLE ${HR.schema}.feature_flags`);
    const events = await reconcile();
    const lost = events.find((e) => e.reason === 'TableRecreated');
    expect(lost).toMatchObject({ type: 'Warning' });
    expect(lost?.note).toContain('feature_flags was missing and was recreated empty');
    expect(lost?.note).toContain('lost');
    const { rows } = await db.pool.query(
      `SELECT c.relrowsecurity AND c.relforcerowsecurity AS forced, pg_get_userbyid(c.relowner) AS owner,
              (SELECT count(*)::int FROM pg_policies p WHERE p.schemaname = $1 AND p.tablename = 'feature_flags') AS policies,
              (SELECT count(*)::int FROM ${HR.schema}.feature_flags) AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = 'feature_flags'`,
      [HR.schema],
    );
    expect(rows).toEqual([{ forced: true, owner: 'federation_owner', policies: 3, rows: 0 }]);
    // The department's own login may use it again, within its policies.
    const login = new pg.Client({ ...db.endpoint, user: HR.role, password: await readPassword() });
    await login.connect();
    try {
      await login.query("INSERT INTO feature_flags (flag_key) VALUES ('back')");
      expect((await login.query('SELECT flag_key FROM feature_flags')).rows).toEqual([{ flag_key: 'back' }]);
    } finally {
      await login.end();
    }
  });

  it('does repair a dropped table, dropped policies and NO FORCE ROW LEVEL SECURITY in one pass', async () => {
    await db.pool.query(`DROP TABLE ${HR.schema}.api_keys`);
    await db.pool.query(`DROP POLICY admin_bypass ON ${HR.schema}.contacts`);
    await db.pool.query(`DROP POLICY cross_dept_read ON ${HR.schema}.email_logs`);
    await db.pool.query(`ALTER TABLE ${HR.schema}.tool_calls NO FORCE ROW LEVEL SECURITY`);
    const events = await reconcile();
    expect(events.map((e) => e.reason).sort()).toEqual(['DriftDetected', 'DriftRepaired', 'TableRecreated']);
    const note = repaired(events);
    expect(note).toContain('api_keys was missing');
    expect(note).toContain('admin_bypass was missing on contacts');
    expect(note).toContain('cross_dept_read was missing on email_logs');
    expect(note).toContain('not enabled and forced on tool_calls');
    expect(await reconcile()).toEqual([]);
  });

  it('does restore the reference lost with a table dropped CASCADE', async () => {
    const { rows: doc } = await db.pool.query(
      `INSERT INTO ${HR.schema}.drive_document_repository (drive_file_id, drive_folder_id) VALUES ('f1', 'd1') RETURNING id`,
    );
    await db.pool.query(
      `INSERT INTO ${HR.schema}.drive_access_log (document_id, drive_file_id, access_type) VALUES ($1, 'f1', 'view')`,
      [doc[0].id],
    );
    await db.pool.query(`DROP TABLE ${HR.schema}.drive_document_repository CASCADE`);
    const events = await reconcile();
    expect(events.find((e) => e.reason === 'TableRecreated')?.note).toContain('drive_document_repository');
    expect(repaired(events)).toContain('drive_access_log.document_id no longer referenced drive_document_repository');
    // The old row keeps its (now dangling) value; a new one is checked against the recreated table again.
    await expect(
      db.pool.query(
        `INSERT INTO ${HR.schema}.drive_access_log (document_id, drive_file_id, access_type) VALUES (424242, 'f2', 'view')`,
      ),
    ).rejects.toThrow(/foreign key/);
    expect(await reconcile()).toEqual([]);
  });

  it('does recreate a dropped index and dropped retention functions', async () => {
    await db.pool.query(`DROP INDEX ${HR.schema}.idx_contacts_email`);
    await db.pool.query(`DROP FUNCTION ${HR.schema}.cleanup_expired_session_context()`);
    const events = await reconcile();
    expect(events.map((e) => e.reason)).toEqual(['DriftDetected', 'DriftRepaired']);
    expect(repaired(events)).toContain('index idx_contacts_email was missing');
    expect(repaired(events)).toContain('retention functions cleanup_expired_session_context were missing');
    const { rows } = await db.pool.query(`SELECT ${HR.schema}.cleanup_expired_session_context() AS removed`);
    expect(rows).toEqual([{ removed: 0 }]);
  });

  it('does recreate a dropped tenant schema and say its rows are lost', async () => {
    await db.pool.query(`DROP SCHEMA ${HR.schema} CASCADE`);
    const events = await reconcile();
    const lost = events.find((e) => e.reason === 'TableRecreated');
    expect(lost?.note).toContain(`schema ${HR.schema} was missing (at version 4) and is recreated with empty tables`);
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
      [HR.schema],
    );
    expect(rows[0].n).toBe(24);
    expect(await reconcile()).toEqual([]);
  });

  // Last: it leaves the tenant in a state no reconcile repairs.
  it('does stall with the reason when a table has lost its department_id column', async () => {
    await db.pool.query(`ALTER TABLE ${HR.schema}.contacts DROP COLUMN department_id CASCADE`);
    const apply = converge(component, testContext(kc, department));
    await expect(apply).rejects.toMatchObject({ name: 'TerminalError', reason: 'UnrepairableDrift' });
    await expect(apply).rejects.toThrow(/contacts has no department_id column/);
    const { rows } = await db.pool.query(
      "SELECT severity FROM federation.security_audit WHERE event_type = 'DRIFT_UNREPAIRABLE' AND department_id = $1",
      [hr],
    );
    expect(rows).toEqual([{ severity: 'critical' }]);
    const { rows: status } = await db.pool.query('SELECT status FROM federation.departments WHERE department_id = $1', [
      hr,
    ]);
    expect(status).toEqual([{ status: 'FAILED' }]);
  });
});
