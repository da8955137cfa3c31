import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiPaths } from '../crds/api-paths.ts';
import { API_VERSION } from '../crds/common.ts';
import { tenantSchemaFor } from '../crds/names.ts';
import { createTestDatabase, kubeConfigFrom, randomDepartment, type TestDatabase } from '../e2e/support/database.ts';
import { adminClient, condition, departmentManifest, waitForDepartment } from '../e2e/testenv/admin-client.ts';
import { startTestController, TEST_LABEL, type TestController } from '../e2e/testenv/controller.ts';
import { controllerKubeconfig } from '../e2e/testenv/service-account.ts';
import { waitFor } from '../e2e/testenv/wait.ts';
import { buildPlatform, type Platform } from './components.ts';
import { isNotFound, RestClient } from './platform/kube/rest-client.ts';
import { createLogger } from './platform/logging/log.ts';
import { paths } from './runtime/kube-api.ts';

const kubeconfig = inject('kubeconfig');
let db: TestDatabase;
let platform: Platform;
let ctl: TestController;
let admin: RestClient;
const hr = randomDepartment('plat-hr');
const sales = randomDepartment('plat-sales');

/** The controller with the components main.ts builds from the environment (namespace + database). */
describe('controller with its platform components', () => {
  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    // As the controller's ServiceAccount: creating the OAuth key Secret must be within its RBAC.
    const sa = await controllerKubeconfig(kubeconfig, join(mkdtempSync(join(tmpdir(), 'fed-plat-')), 'kubeconfig'));
    // n8n and Railway are not part of this test: switched off explicitly (unset, they stall every Department).
    const env = { DATABASE_URL: db.url, DISABLED_COMPONENTS: 'workflows,runtime' };
    const kube = new RestClient(kubeConfigFrom(sa));
    platform = await buildPlatform({
      env,
      workers: 4,
      log: createLogger({ component: 'test', level: 'silent' }),
      kube,
    });
    ctl = await startTestController(kubeconfig, {
      components: platform.components,
      grantSyncers: platform.grantSyncers,
      onDepartmentReconciled: platform.onDepartmentReconciled,
    });
    admin = adminClient(kubeconfig);
  });
  afterAll(async () => {
    await ctl?.stop();
    await platform?.close();
    await db?.drop([hr, sales]);
  });

  it('provisions the tenant through the controller: DatabaseReady, IsolationVerified, Secret, Active', async () => {
    for (const name of [hr, sales]) {
      await admin.create(
        apiPaths.departments,
        departmentManifest(name, { [TEST_LABEL]: ctl.shard }, { enabledTools: ['database'] }),
        'test',
      );
    }
    for (const name of [hr, sales]) {
      const d = await waitForDepartment(admin, name, (x) => x.status?.phase === 'Active', 60_000);
      expect(condition(d, 'DatabaseReady')?.status).toBe('True');
      expect(condition(d, 'IsolationVerified')?.status).toBe('True');
      expect(condition(d, 'OAuthReady')).toMatchObject({ status: 'True', reason: 'NotConfigured' });
      expect(d.status?.tenantSchema).toBe(tenantSchemaFor(name));
      expect(JSON.stringify(d.status)).not.toMatch(/password/i);
      const secret = await admin.get<{ data: Record<string, string> }>(
        `${paths.namespacedSecrets(`dept-${name}`)}/database`,
      );
      expect(Object.keys(secret.data).sort()).toEqual([
        'database',
        'host',
        'password',
        'port',
        'schema',
        'url',
        'user',
      ]);
    }
  });

  it('records the provisioning job, the departments row and provisioning events from the reconciles', async () => {
    const job = async () =>
      (
        await db.pool.query(
          'SELECT status, progress, steps, department_uid, completed_at FROM federation.provisioning_jobs WHERE department_id = $1',
          [hr],
        )
      ).rows;
    // Recorded right after the status write that made the Department Active.
    await waitFor(async () => (await job())[0]?.status === 'COMPLETED', {
      timeoutMs: 20_000,
      describe: () => 'job not COMPLETED',
    });
    const jobs = await job();
    const dept = await admin.get<{ metadata: { uid: string } }>(apiPaths.department(hr));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      status: 'COMPLETED',
      department_uid: dept.metadata.uid,
      // No spec.oauth: the step does not apply; no runtime or n8n on this controller.
      progress: {
        namespace: 'completed',
        database: 'completed',
        gateway_token: 'completed',
        oauth: 'not_configured',
        railway: 'not_configured',
        n8n: 'not_configured',
      },
    });
    expect(jobs[0].steps.database).toMatchObject({ state: 'completed', condition: 'DatabaseReady' });
    expect(jobs[0].completed_at).toBeInstanceOf(Date);
    const { rows: row } = await db.pool.query(
      'SELECT status, config FROM federation.departments WHERE department_id = $1',
      [hr],
    );
    expect(row[0]).toMatchObject({
      status: 'ACTIVE',
      config: { enabledTools: ['database'], deletionPolicy: 'Delete' },
    });
    const { rows: events } = await db.pool.query(
      "SELECT event_type FROM federation.security_audit WHERE department_id = $1 AND category = 'provisioning' ORDER BY id",
      [hr],
    );
    const types = events.map((e) => e.event_type);
    expect(types[0]).toBe('PROVISIONING_STARTED');
    expect(types).toContain('PROVISIONING_COMPLETED');
    expect(types.filter((t) => t === 'STEP_COMPLETED').length).toBeGreaterThanOrEqual(3);
  });

  it('suspends a grant without deleting it, and resumes it', async () => {
    const grant = `susp-${ctl.shard}`;
    await admin.create(
      apiPaths.grants,
      {
        apiVersion: API_VERSION,
        kind: 'CrossDepartmentGrant',
        metadata: { name: grant, labels: { [TEST_LABEL]: ctl.shard } },
        spec: {
          sourceDepartment: hr,
          targetDepartment: sales,
          permissions: ['aggregate'],
          queryTypes: ['aggregate'],
          reason: 'test',
        },
      },
      'test',
    );
    const enabled = async () =>
      (
        await db.pool.query('SELECT enabled FROM federation.cross_dept_permissions WHERE grant_name = $1', [grant])
      ).rows.map((r) => r.enabled as boolean);
    await waitFor(async () => (await enabled())[0] === true, { timeoutMs: 20_000, describe: () => 'grant not synced' });
    await admin.mergePatch(apiPaths.grant(grant), { spec: { suspend: true } }, 'test');
    await waitFor(async () => (await enabled())[0] === false, {
      timeoutMs: 20_000,
      describe: () => 'suspended grant still enabled',
    });
    const suspended = await admin.get<{ status: { conditions: { type: string; reason: string }[] } }>(
      apiPaths.grant(grant),
    );
    await waitFor(
      async () =>
        (await admin.get<typeof suspended>(apiPaths.grant(grant))).status?.conditions?.some(
          (c) => c.type === 'Ready' && c.reason === 'Suspended',
        ) ?? false,
      { timeoutMs: 20_000, describe: () => 'no Suspended condition' },
    );
    expect(
      (
        await db.pool.query("SELECT federation.cross_dept_allowed($1, 'aggregate', $2, 'aggregate') AS allowed", [
          hr,
          sales,
        ])
      ).rows[0].allowed,
    ).toBe(false);
    await admin.mergePatch(apiPaths.grant(grant), { spec: { suspend: false } }, 'test');
    await waitFor(async () => (await enabled())[0] === true, { timeoutMs: 20_000, describe: () => 'not resumed' });
    await admin.delete(apiPaths.grant(grant));
  });

  it('syncs a grant into federation.cross_dept_permissions and removes it on delete', async () => {
    const grant = `plat-${ctl.shard}`;
    await admin.create(
      apiPaths.grants,
      {
        apiVersion: API_VERSION,
        kind: 'CrossDepartmentGrant',
        metadata: { name: grant, labels: { [TEST_LABEL]: ctl.shard } },
        spec: {
          sourceDepartment: hr,
          targetDepartment: sales,
          permissions: ['search'],
          queryTypes: ['search_documents'],
          reason: 'test',
        },
      },
      'test',
    );
    const rows = async () =>
      (
        await db.pool.query(
          'SELECT source_department_id, target_department_id FROM federation.cross_dept_permissions WHERE grant_name = $1',
          [grant],
        )
      ).rows;
    await waitFor(async () => (await rows()).length === 1, { timeoutMs: 20_000, describe: () => 'grant not synced' });
    expect(await rows()).toEqual([{ source_department_id: hr, target_department_id: sales }]);
    await admin.delete(apiPaths.grant(grant));
    await waitFor(async () => (await rows()).length === 0, {
      timeoutMs: 20_000,
      describe: () => 'grant row not removed',
    });
  });

  it('drops the schema and role when a Department with deletionPolicy Delete is deleted', async () => {
    await admin.delete(apiPaths.department(sales));
    await waitFor(
      async () => {
        try {
          await admin.get(apiPaths.department(sales));
          return false;
        } catch (err) {
          return isNotFound(err);
        }
      },
      { timeoutMs: 60_000, describe: () => 'department not finalized' },
    );
    const schema = await db.pool.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [
      tenantSchemaFor(sales),
    ]);
    expect(schema.rowCount).toBe(0);
    const { rows } = await db.pool.query(
      `SELECT d.status, (SELECT count(*)::int FROM federation.security_audit s
                          WHERE s.department_id = d.department_id AND s.event_type = 'DEPROVISIONING_STARTED') AS started
         FROM federation.departments d WHERE d.department_id = $1`,
      [sales],
    );
    expect(rows[0]).toEqual({ status: 'DEPROVISIONED', started: 1 });
  });
});
