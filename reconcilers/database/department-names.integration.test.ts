import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isNotFound, type RestClient } from '../../controller/platform/kube/rest-client.ts';
import { paths } from '../../controller/runtime/kube-api.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import { namespaceFor, RECONCILE_REQUEST_ANNOTATION, tenantNamesFor } from '../../crds/names.ts';
import { createTestDatabase, randomDepartment, type TestDatabase } from '../../e2e/support/database.ts';
import { adminClient, condition, departmentManifest, waitForDepartment } from '../../e2e/testenv/admin-client.ts';
import { startTestController, TEST_LABEL, type TestController } from '../../e2e/testenv/controller.ts';
import { namespaceComponent } from '../namespace/component.ts';
import { createDatabaseComponent } from './component.ts';
import { withTenantLock } from './tenant-lock.ts';

const kubeconfig = inject('kubeconfig');
const taken = randomDepartment('taken');
const drifting = randomDepartment('drifting');

/**
 * No Department becomes a platform role, and drift that cannot be repaired does not stick silently: through the
 * real API server, the controller and Postgres.
 */
describe('database component through the controller', () => {
  let db: TestDatabase;
  let ctl: TestController;
  let admin: RestClient;
  const labels = () => ({ [TEST_LABEL]: ctl.shard });

  async function events(name: string): Promise<{ reason: string; note: string; type: string }[]> {
    const list = await admin.get<{
      items: { reason: string; note: string; type: string; regarding: { name: string; kind: string } }[];
    }>('/apis/events.k8s.io/v1/namespaces/default/events');
    return list.items.filter((e) => e.regarding.kind === 'Department' && e.regarding.name === name);
  }

  async function hasSecret(name: string): Promise<boolean> {
    try {
      await admin.get(`${paths.namespacedSecrets(namespaceFor(name))}/database`);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Changes the tenant while no reconcile runs (under its lock): DDL racing the controller's GRANTs on the same
   * table fails with "tuple concurrently updated", which is Postgres's answer, not what this test is about.
   */
  async function behindTheControllersBack(sql: string): Promise<void> {
    await withTenantLock(db.pool, drifting, (client) => client.query(sql));
  }

  async function requestReconcile(name: string): Promise<void> {
    const annotations = { [RECONCILE_REQUEST_ANNOTATION]: String(Date.now()) };
    await admin.mergePatch(apiPaths.department(name), { metadata: { annotations } }, 'test');
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    admin = adminClient(kubeconfig);
    ctl = await startTestController(kubeconfig, {
      components: [namespaceComponent, createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint })],
      env: { BACKOFF_BASE: '50ms', BACKOFF_MAX: '2s' },
    });
  });

  afterAll(async () => {
    await ctl?.stop();
    await db?.drop([drifting]);
    const cleanup = await createTestDatabase(inject('databaseUrl'));
    await cleanup.pool.query(`DROP ROLE IF EXISTS ${tenantNamesFor(taken).role}`);
    await cleanup.drop([]);
  });

  it.each(['federation-admin', 'cross-dept-query', 'federation', 'postgres', 'pg-signal-backend', 'n8n'])(
    'does have the API server refuse a Department named %s',
    async (name) => {
      await expect(
        admin.create(apiPaths.departments, departmentManifest(name, labels()), 'test'),
      ).rejects.toMatchObject({
        code: 422,
        message: expect.stringContaining('metadata.name is reserved for the platform'),
      });
    },
  );

  it('does end Stalled, with no Secret and the role unchanged, when the tenant role exists already', async () => {
    const role = tenantNamesFor(taken).role;
    await db.pool.query(`CREATE ROLE ${role} NOLOGIN`);
    const role0 = await db.pool.query('SELECT rolcanlogin, rolconfig FROM pg_roles WHERE rolname = $1', [role]);
    await admin.create(apiPaths.departments, departmentManifest(taken, labels()), 'test');
    const d = await waitForDepartment(admin, taken, (x) => condition(x, 'Stalled')?.status === 'True');
    expect(condition(d, 'Stalled')).toMatchObject({ reason: 'RoleNotOwned' });
    expect(condition(d, 'Ready')?.status).toBe('False');
    expect(condition(d, 'DatabaseReady')).toMatchObject({ status: 'False', reason: 'RoleNotOwned' });
    expect(d.status?.phase).toBe('Failed');
    expect(await hasSecret(taken)).toBe(false);
    const role1 = await db.pool.query('SELECT rolcanlogin, rolconfig FROM pg_roles WHERE rolname = $1', [role]);
    expect(role1.rows).toEqual(role0.rows);
    expect(await events(taken)).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'RoleNotOwned' }));
    const { rows } = await db.pool.query(
      "SELECT severity FROM federation.security_audit WHERE event_type = 'TENANT_CLAIM_REFUSED' AND department_id = $1",
      [taken],
    );
    expect(rows.length).toBeGreaterThan(0);
  });

  it('does bring a Department back to Ready after a tenant table was dropped', async () => {
    await admin.create(apiPaths.departments, departmentManifest(drifting, labels()), 'test');
    await waitForDepartment(admin, drifting, (x) => x.status?.phase === 'Active', 60_000);
    await behindTheControllersBack(`DROP TABLE ${tenantNamesFor(drifting).schema}.feature_flags`);
    await requestReconcile(drifting);
    const d = await waitForDepartment(
      admin,
      drifting,
      // The request is acknowledged as its pass starts; Reconciling False is written once the pass has ended.
      (x) =>
        (x.status?.conditions ?? []).some((c) => c.type === 'DatabaseReady' && c.status === 'True') &&
        Boolean(x.metadata.annotations?.[RECONCILE_REQUEST_ANNOTATION]) &&
        x.status?.lastHandledReconcileRequest === x.metadata.annotations?.[RECONCILE_REQUEST_ANNOTATION] &&
        condition(x, 'Reconciling')?.status === 'False',
      60_000,
    );
    expect(condition(d, 'Ready')?.status).toBe('True');
    expect(condition(d, 'Stalled')?.status).toBe('False');
    const recreated = (await events(drifting)).find((e) => e.reason === 'TableRecreated');
    expect(recreated).toMatchObject({ type: 'Warning' });
    expect(recreated?.note).toContain('feature_flags');
  });

  it('does end Stalled with the reason when the drift cannot be repaired', async () => {
    await behindTheControllersBack(
      `ALTER TABLE ${tenantNamesFor(drifting).schema}.contacts DROP COLUMN department_id CASCADE`,
    );
    await requestReconcile(drifting);
    const d = await waitForDepartment(admin, drifting, (x) => condition(x, 'Stalled')?.status === 'True', 60_000);
    expect(condition(d, 'Stalled')).toMatchObject({ reason: 'UnrepairableDrift' });
    expect(condition(d, 'Stalled')?.message).toContain('contacts has no department_id column');
  });
});
