import { CoreV1Api } from '@kubernetes/client-node';
import pg from 'pg';
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
import type { Component } from '../component.ts';
import { createDatabaseComponent } from './component.ts';
import { tenantNames } from './names.ts';

const doomed = randomDepartment('doomed');
const kept = randomDepartment('kept');

describe('database component delete', () => {
  let db: TestDatabase;
  let component: Component;
  const kc = kubeConfigFrom(inject('kubeconfig'));
  const secrets = kc.makeApiClient(CoreV1Api);

  async function readPassword(department: string): Promise<string> {
    const secret = await secrets.readNamespacedSecret({ name: 'database', namespace: `dept-${department}` });
    return Buffer.from(secret.data?.password ?? '', 'base64').toString();
  }

  async function row(department: string) {
    const { rows } = await db.pool.query(
      'SELECT status, deprovisioned_at IS NOT NULL AS gone FROM federation.departments WHERE department_id = $1',
      [department],
    );
    return rows[0];
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    for (const name of [doomed, kept]) {
      await createNamespace(kc, name);
      await component.apply(testContext(kc, departmentObject(name)));
    }
  });

  afterAll(async () => {
    await db?.drop([doomed, kept]);
  });

  it('does terminate sessions and drop schema, role and Secret with deletionPolicy Delete', async () => {
    const n = tenantNames(doomed);
    const session = new pg.Client({ ...db.endpoint, user: n.role, password: await readPassword(doomed) });
    await session.connect();
    session.on('error', () => undefined); // the server ends this session on purpose
    await db.pool.query(
      "INSERT INTO federation.cross_dept_audit (source_department_id, query_type, success, decision) VALUES ($1, 'search_documents', true, 'allow')",
      [doomed],
    );
    const result = await component.delete(testContext(kc, departmentObject(doomed, { deletionPolicy: 'Delete' })));
    expect(result.condition).toMatchObject({ status: 'False', reason: 'Deleted' });
    await expect(session.query('SELECT 1')).rejects.toThrow();
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*)::int FROM pg_roles WHERE rolname = $1) AS roles,
              (SELECT count(*)::int FROM pg_namespace WHERE nspname = $2) AS schemas,
              (SELECT count(*)::int FROM federation.cross_dept_audit WHERE source_department_id = $3) AS audit`,
      [n.role, n.schema, doomed],
    );
    expect(rows[0]).toEqual({ roles: 0, schemas: 0, audit: 1 });
    expect(await row(doomed)).toEqual({ status: 'DEPROVISIONED', gone: true });
    await expect(secrets.readNamespacedSecret({ name: 'database', namespace: `dept-${doomed}` })).rejects.toMatchObject(
      {
        code: 404,
      },
    );
    // Deleting again (a retried finalizer) changes nothing and does not fail.
    await component.delete(testContext(kc, departmentObject(doomed)));
  });

  it('does keep the schema but forbid login with deletionPolicy Retain', async () => {
    const n = tenantNames(kept);
    await db.pool.query(`INSERT INTO ${n.schema}.contacts (name) VALUES ('Keep me')`);
    const password = await readPassword(kept);
    const result = await component.delete(testContext(kc, departmentObject(kept, { deletionPolicy: 'Retain' })));
    expect(result.condition).toMatchObject({ status: 'False', reason: 'Retained' });
    const { rows } = await db.pool.query(`SELECT name FROM ${n.schema}.contacts`);
    expect(rows).toEqual([{ name: 'Keep me' }]);
    const { rows: role } = await db.pool.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [n.role]);
    expect(role).toEqual([{ rolcanlogin: false }]);
    const login = new pg.Client({ ...db.endpoint, user: n.role, password });
    await expect(login.connect()).rejects.toThrow(/not permitted to log in/);
    expect(await row(kept)).toEqual({ status: 'DEPROVISIONED', gone: true });
  });
});
