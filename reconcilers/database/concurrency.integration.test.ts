import { CoreV1Api } from '@kubernetes/client-node';
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
import { LATEST_VERSION } from './tenant-migrations.ts';

const finance = randomDepartment('finance');
const N = tenantNames(finance);

describe('database component under concurrent reconciles', () => {
  let db: TestDatabase;
  const kc = kubeConfigFrom(inject('kubeconfig'));

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    await createNamespace(kc, finance);
  });

  afterAll(async () => {
    await db?.drop([finance]);
  });

  it('does create everything once when two reconciles race', async () => {
    // Two controller replicas (or a resync overlapping a watch event) each with their own component instance.
    const department = departmentObject(finance);
    const [a, b] = await Promise.all(
      [1, 2].map(() =>
        createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint }).apply(testContext(kc, department)),
      ),
    );
    expect(a?.condition.status).toBe('True');
    expect(b?.condition.status).toBe('True');
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*)::int FROM pg_roles WHERE rolname = $1) AS roles,
              (SELECT count(*)::int FROM pg_namespace WHERE nspname = $2) AS schemas,
              (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $2 AND c.relkind = 'r') AS tables,
              (SELECT count(*)::int FROM pg_policies WHERE schemaname = $2) AS policies,
              (SELECT count(*)::int FROM federation.schema_migrations WHERE department_id = $3) AS migrations,
              (SELECT count(*)::int FROM federation.departments WHERE department_id = $3) AS departments,
              (SELECT count(*)::int FROM federation.provisioning_jobs WHERE department_id = $3) AS jobs`,
      [N.role, N.schema, finance],
    );
    expect(rows[0]).toEqual({
      roles: 1,
      schemas: 1,
      tables: 24,
      policies: 72,
      migrations: LATEST_VERSION,
      departments: 1,
      jobs: 1,
    });
    const secrets = await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: `dept-${finance}` });
    expect(secrets.items.filter((s) => s.metadata?.name === 'database')).toHaveLength(1);
  });

  it('does keep an active tenant ACTIVE while it is re-applied (the gateway serves only ACTIVE targets)', async () => {
    const component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    const department = departmentObject(finance);
    await component.apply(testContext(kc, department));
    const seen = new Set<string>();
    let applying = true;
    const watcher = (async () => {
      while (applying) {
        const { rows } = await db.pool.query('SELECT status FROM federation.departments WHERE department_id = $1', [
          finance,
        ]);
        seen.add(rows[0]?.status);
      }
    })();
    for (let i = 0; i < 3; i++) await component.apply(testContext(kc, department));
    applying = false;
    await watcher;
    expect([...seen]).toEqual(['ACTIVE']);
  });
});
