import type pg from 'pg';
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
import { type GrantObject, removeGrant, syncGrant } from './grants.ts';
import { tenantNames } from './names.ts';

const hr = randomDepartment('hr');
const sales = randomDepartment('sales');
const SALES = tenantNames(sales);

function grant(spec: Partial<GrantObject['spec']> = {}): GrantObject {
  return {
    metadata: { name: `${hr}-reads-${sales}` },
    spec: {
      sourceDepartment: hr,
      targetDepartment: sales,
      permissions: ['search'],
      queryTypes: ['search_documents'],
      reason: "quarterly review; it's fine",
      ...spec,
    },
  };
}

describe('cross-department read policy', () => {
  let db: TestDatabase;
  let gateway: pg.PoolClient;

  /** Reads sales documents as the gateway would: cross_dept_query_role, source and permission set per transaction. */
  async function gatewayReads(permission = 'search', table = 'drive_document_repository'): Promise<number> {
    await gateway.query('BEGIN');
    try {
      await gateway.query('SET LOCAL ROLE cross_dept_query_role');
      await gateway.query("SELECT set_config('app.source_department', $1, true)", [hr]);
      await gateway.query("SELECT set_config('app.cross_dept_permission', $1, true)", [permission]);
      const { rows } = await gateway.query(`SELECT * FROM ${SALES.schema}.${table}`);
      return rows.length;
    } finally {
      await gateway.query('ROLLBACK');
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    const kc = kubeConfigFrom(inject('kubeconfig'));
    const component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    for (const name of [hr, sales]) {
      await createNamespace(kc, name);
      await component.apply(testContext(kc, departmentObject(name)));
    }
    await db.pool.query(
      `INSERT INTO ${SALES.schema}.drive_document_repository (drive_file_id, drive_folder_id, file_name, extracted_text)
       VALUES ('f1', 'folder', 'Q4 report', 'revenue grew'), ('f2', 'folder', 'Plan', 'hiring')`,
    );
    await db.pool.query(`INSERT INTO ${SALES.schema}.contacts (name, email) VALUES ('Ann', 'ann@sales.io')`);
    gateway = await db.pool.connect();
  });

  afterAll(async () => {
    gateway?.release();
    await db?.drop([hr, sales]);
  });

  it('does return no rows from a target without a grant', async () => {
    expect(await gatewayReads()).toBe(0);
  });

  it('does return rows with an active grant of the right permission', async () => {
    expect(await syncGrant(db.pool, grant())).toEqual({ active: true });
    expect(await gatewayReads('search')).toBe(2);
    const { rows } = await db.pool.query('SELECT reason FROM federation.cross_dept_permissions');
    expect(rows).toEqual([{ reason: "quarterly review; it's fine" }]);
  });

  it('does serve full-text search through the grant', async () => {
    await syncGrant(db.pool, grant());
    await gateway.query('BEGIN');
    await gateway.query('SET LOCAL ROLE cross_dept_query_role');
    await gateway.query("SELECT set_config('app.source_department', $1, true)", [hr]);
    await gateway.query("SELECT set_config('app.cross_dept_permission', 'search', true)");
    const { rows } = await gateway.query(
      `SELECT file_name FROM ${SALES.schema}.drive_document_repository
        WHERE search_vector @@ websearch_to_tsquery('english', $1)`,
      ['revenue report'],
    );
    await gateway.query('ROLLBACK');
    expect(rows).toEqual([{ file_name: 'Q4 report' }]);
  });

  it('does search through the policy on the full-text index, and returns nothing without a grant', async () => {
    const plan = async () => {
      await gateway.query('BEGIN');
      try {
        await gateway.query('SET LOCAL ROLE cross_dept_query_role');
        await gateway.query('SET LOCAL enable_seqscan = off'); // a Seq Scan now means the index is unusable
        await gateway.query("SELECT set_config('app.source_department', $1, true)", [hr]);
        await gateway.query("SELECT set_config('app.cross_dept_permission', 'search', true)");
        const { rows } = await gateway.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
           SELECT file_name FROM ${SALES.schema}.drive_document_repository
            WHERE search_vector @@ websearch_to_tsquery('english', 'revenue')`,
        );
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await gateway.query('ROLLBACK');
      }
    };
    await syncGrant(db.pool, grant());
    const granted = await plan();
    expect(granted).toMatch(/Index Scan|Bitmap Index Scan/);
    expect(granted).not.toMatch(/Seq Scan/);
    await db.pool.query('DELETE FROM federation.cross_dept_permissions');
    // The policy still filters every row the index finds: without a grant none comes out.
    const denied = await plan();
    expect(denied).toMatch(/Filter: \(\(InitPlan 1\)/);
    expect(denied.split('\n')[0]).toMatch(/actual rows=0 /);
  });

  it('does return no rows for a permission or query type the grant lacks', async () => {
    await syncGrant(db.pool, grant());
    expect(await gatewayReads('read')).toBe(0);
    expect(await gatewayReads('aggregate')).toBe(0);
    expect(await gatewayReads('search', 'contacts')).toBe(0);
    await syncGrant(db.pool, grant({ queryTypes: ['search_documents', 'get_contact'] }));
    expect(await gatewayReads('search', 'contacts')).toBe(1);
  });

  it('does return no rows once the grant has expired', async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    expect(await syncGrant(db.pool, grant({ expiresAt: past }))).toMatchObject({ active: false });
    expect(await gatewayReads()).toBe(0);
    const soon = new Date(Date.now() + 1500).toISOString();
    expect((await syncGrant(db.pool, grant({ expiresAt: soon }))).requeueAfterMs).toBeGreaterThan(0);
    expect(await gatewayReads()).toBe(2);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await gatewayReads()).toBe(0);
  });

  it('does return no rows once the grant is deleted', async () => {
    await syncGrant(db.pool, grant());
    expect(await gatewayReads()).toBe(2);
    await removeGrant(db.pool, grant().metadata.name);
    expect(await gatewayReads()).toBe(0);
  });

  it('does never let the gateway role write', async () => {
    await syncGrant(db.pool, grant());
    await gateway.query('BEGIN');
    await gateway.query('SET LOCAL ROLE cross_dept_query_role');
    await expect(gateway.query(`DELETE FROM ${SALES.schema}.drive_document_repository`)).rejects.toThrow(
      /permission denied/,
    );
    await gateway.query('ROLLBACK');
  });
});
