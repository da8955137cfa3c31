import { CoreV1Api } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { upsertDepartmentRow } from '../../controller/platform/database/federation-records.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { namespaceFor } from '../../crds/names.ts';
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
import { ensureDatabaseSecret } from './database-secret.ts';
import { legacyTenantNames, type TenantNames, tenantNames } from './names.ts';
import { runRetention } from './retention.ts';
import { withTenantLock } from './tenant-lock.ts';
import { migrateTenant } from './tenant-migrate.ts';
import { checksum, TENANT_MIGRATIONS } from './tenant-migrations.ts';
import { ensureTenantRole } from './tenant-role.ts';
import { provisionedDepartments, upgradeAllTenants } from './tenant-upgrade.ts';

const hr = randomDepartment('legacy-hr');
const ops = randomDepartment('legacy-ops');

describe('database component on a tenant under the legacy names', () => {
  let db: TestDatabase;
  const kc = kubeConfigFrom(inject('kubeconfig'));
  const core = kc.makeApiClient(CoreV1Api);

  async function readSecret(department: string): Promise<Record<string, string>> {
    const secret = await core.readNamespacedSecret({ name: 'database', namespace: namespaceFor(department) });
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
  }

  async function exists(kind: 'role' | 'schema', name: string): Promise<boolean> {
    const sql =
      kind === 'role' ? 'SELECT 1 FROM pg_roles WHERE rolname = $1' : 'SELECT 1 FROM pg_namespace WHERE nspname = $1';
    return ((await db.pool.query(sql, [name])).rowCount ?? 0) > 0;
  }

  /**
   * What the controller made before the dept_ prefix: `<name>_tenant` and `<name>_role` (no ownership comment),
   * their departments row and Secret, and rows the department wrote through its own login.
   */
  async function provisionUnderLegacyNames(department: string): Promise<TenantNames> {
    const legacy = legacyTenantNames(tenantNames(department));
    const object = departmentObject(department);
    await createNamespace(kc, department);
    const password = await ensureDatabaseSecret(
      new RestClient(kc),
      object,
      namespaceFor(department),
      db.endpoint,
      legacy,
    );
    await withTenantLock(db.pool, department, async (client) => {
      await upsertDepartmentRow(client, object, legacy, 'PROVISIONING');
      await ensureTenantRole(client, legacy, password);
      await client.query(`COMMENT ON ROLE ${legacy.role} IS NULL`);
      await migrateTenant(client, legacy);
    });
    await upsertDepartmentRow(db.pool, object, legacy, 'ACTIVE');
    const asDepartment = new pg.Client({ ...db.endpoint, user: legacy.role, password });
    await asDepartment.connect();
    try {
      await asDepartment.query("INSERT INTO contacts (name, email) VALUES ('Ann', 'ann@x.io'), ('Bob', 'bob@x.io')");
      await asDepartment.query("INSERT INTO feature_flags (flag_key, enabled) VALUES ('beta', true)");
    } finally {
      await asDepartment.end();
    }
    await db.pool.query(
      `INSERT INTO ${legacy.schema}.session_context (session_id, context_type, context_key, context_value, ttl_seconds, created_at)
       VALUES ('s1', 'k', 'k', '{}', 1, now() - interval '1 day')`,
    );
    return legacy;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
  });

  afterAll(async () => {
    await db?.drop([hr, ops]);
    const admin = await createTestDatabase(inject('databaseUrl'));
    for (const d of [hr, ops]) await admin.pool.query(`DROP ROLE IF EXISTS ${legacyTenantNames(tenantNames(d)).role}`);
    await admin.drop([]);
  });

  it('does rename schema and role on the next reconcile, rows intact, and update the Secret', async () => {
    const legacy = await provisionUnderLegacyNames(hr);
    const n = tenantNames(hr);
    const before = await readSecret(hr);
    expect(before).toMatchObject({ user: legacy.role, schema: legacy.schema });

    const events: RecordedEvent[] = [];
    const component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    const result = await component.apply(testContext(kc, departmentObject(hr), events));
    expect(result.condition, result.condition.message).toMatchObject({ status: 'True', reason: 'Provisioned' });
    expect(result.status?.tenantSchema).toBe(n.schema);
    expect(events).toContainEqual(expect.objectContaining({ type: 'Normal', reason: 'TenantRenamed' }));
    expect(events.filter((e) => e.type === 'Warning')).toEqual([]);

    expect(await exists('schema', legacy.schema)).toBe(false);
    expect(await exists('role', legacy.role)).toBe(false);
    const after = await readSecret(hr);
    expect(after).toMatchObject({ user: n.role, schema: n.schema, password: before.password });
    expect(after.url).toContain(`${n.role}:`);

    // The department's own login, with the updated Secret, still sees exactly its rows.
    const asDepartment = new pg.Client({ ...db.endpoint, user: after.user, password: after.password });
    await asDepartment.connect();
    try {
      const { rows } = await asDepartment.query('SELECT name FROM contacts ORDER BY name');
      expect(rows).toEqual([{ name: 'Ann' }, { name: 'Bob' }]);
      const flags = await asDepartment.query('SELECT flag_key, enabled FROM feature_flags');
      expect(flags.rows).toEqual([{ flag_key: 'beta', enabled: true }]);
    } finally {
      await asDepartment.end();
    }
    const { rows: row } = await db.pool.query(
      'SELECT tenant_schema, status FROM federation.departments WHERE department_id = $1',
      [hr],
    );
    expect(row).toEqual([{ tenant_schema: n.schema, status: 'ACTIVE' }]);
    const { rows: audit } = await db.pool.query(
      "SELECT details FROM federation.security_audit WHERE event_type = 'TENANT_RENAMED' AND department_id = $1",
      [hr],
    );
    expect(audit).toEqual([
      {
        details: {
          renamed: [`schema ${legacy.schema} renamed to ${n.schema}`, `role ${legacy.role} renamed to ${n.role}`],
        },
      },
    ]);
    const { rows: recorded } = await db.pool.query(
      'SELECT version, checksum FROM federation.schema_migrations WHERE department_id = $1 ORDER BY version',
      [hr],
    );
    expect(recorded).toEqual(TENANT_MIGRATIONS.map((m) => ({ version: m.version, checksum: checksum(m.up(n)) })));
    // The retention functions name their schema in their bodies: they must work under the new name.
    expect((await runRetention(db.pool)).departments[hr]).toEqual({ sessionContext: 1, conversationHistory: 0 });
    // A second reconcile finds nothing left to rename.
    const again: RecordedEvent[] = [];
    await component.apply(testContext(kc, departmentObject(hr), again));
    expect(again).toEqual([]);
  });

  it('does rename at startup too, before any reconcile', async () => {
    const legacy = await provisionUnderLegacyNames(ops);
    const n = tenantNames(ops);
    expect(await provisionedDepartments(db.pool)).toContain(ops);
    const outcomes = await upgradeAllTenants(db.pool);
    expect(outcomes.find((o) => o.department === ops)).toMatchObject({ ok: true });
    expect(await exists('schema', n.schema)).toBe(true);
    expect(await exists('role', n.role)).toBe(true);
    expect(await exists('role', legacy.role)).toBe(false);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM ${n.schema}.contacts`);
    expect(rows[0].n).toBe(2);
    const { rows: audit } = await db.pool.query(
      "SELECT count(*)::int AS n FROM federation.security_audit WHERE event_type = 'TENANT_RENAMED' AND department_id = $1",
      [ops],
    );
    expect(audit[0].n).toBe(1);
  });
});
