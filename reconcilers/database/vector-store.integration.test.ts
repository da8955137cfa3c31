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

const searcher = randomDepartment('vectors');

describe('database component and vector_store', () => {
  let db: TestDatabase;
  const kc = kubeConfigFrom(inject('kubeconfig'));

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    await createNamespace(kc, searcher);
  });
  afterAll(async () => {
    await db?.drop([searcher]);
  });

  it('does say in DatabaseReady how vector_store searches on this Postgres server', async () => {
    const { rows } = await db.pool.query(
      "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available",
    );
    const component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    const result = await component.apply(
      testContext(kc, departmentObject(searcher, { enabledTools: ['database', 'vector_store'] })),
    );
    expect(result.condition).toMatchObject({ status: 'True', reason: 'Provisioned' });
    if (rows[0].available) expect(result.condition.message).not.toContain('substring');
    else
      expect(result.condition.message).toContain('vector_store matches text by substring: pgvector is not installed');
  });
});
