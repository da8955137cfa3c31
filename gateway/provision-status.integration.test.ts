import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { provisioningRecorder } from '../controller/platform/database/provisioning-recorder.ts';
import { paths } from '../controller/runtime/kube-api.ts';
import { apiPaths } from '../crds/api-paths.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { type RuntimeTestbed, startRuntimeTestbed } from '../e2e/support/runtime.ts';
import { startTestController, TEST_LABEL, type TestController } from '../e2e/testenv/controller.ts';
import { type RunningN8n, startN8n } from '../e2e/testenv/n8n.ts';
import { gatewayKubeconfig } from '../e2e/testenv/service-account.ts';
import { waitFor } from '../e2e/testenv/wait.ts';
import type { Component } from '../reconcilers/component.ts';
import { createDatabaseComponent } from '../reconcilers/database/component.ts';
import { createGatewayTokenComponent } from '../reconcilers/gateway-token/component.ts';
import { namespaceComponent } from '../reconcilers/namespace/component.ts';
import { createOAuthComponent } from '../reconcilers/oauth/component.ts';
import { encryptionKeys } from '../reconcilers/oauth/encryption-keys.ts';
import { createRuntimeComponent } from '../reconcilers/runtime/component.ts';
import { createWorkflowsComponent } from '../reconcilers/workflows/component.ts';
import { kubeDepartmentClient } from './provisioning/department-client.ts';
import type { ProvisioningStatus } from './provisioning/schemas.ts';

const OAUTH_KEY = randomBytes(32).toString('hex');

/**
 * The seed's provisioning flow end to end: POST /provision-department through the gateway (as its
 * ServiceAccount), the controller with every component (database, gateway token, OAuth, n8n workflows, the
 * runtime on the local Railway server through Pulumi), and GET /provision-status until the job completes or
 * fails, as the recorder wrote it from the reconciles.
 */
describe('provision-status through the facade, with every component', () => {
  let t: GatewayTestbed;
  let bed: RuntimeTestbed;
  let n8n: RunningN8n;
  let ctl: TestController;
  let departments: ReturnType<typeof kubeDepartmentClient>;
  let app: ReturnType<GatewayTestbed['app']>;
  let admin: string;
  const created: string[] = [];

  async function call(method: string, path: string, body?: unknown) {
    const res = await app.request(`http://localhost${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function provision(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await call('POST', '/api/v1/provision-department', {
      department_id: name,
      department_name: `Department ${name}`,
      enabled_tools: ['database'],
      admin_email: `admin@${name}.example.com`,
      ...extra,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    created.push(name);
    return res.body.provisioning_id as string;
  }

  async function follow(id: string, done: (s: ProvisioningStatus) => boolean): Promise<ProvisioningStatus[]> {
    const seen: ProvisioningStatus[] = [];
    await waitFor(
      async () => {
        const res = await call('GET', `/api/v1/provision-status/${id}`);
        expect(res.status).toBe(200);
        const s = res.body as unknown as ProvisioningStatus;
        if (JSON.stringify(seen.at(-1)) !== JSON.stringify(s)) seen.push(s);
        return done(s);
      },
      {
        timeoutMs: 240_000,
        intervalMs: 500,
        describe: () => `provision-status stuck at ${JSON.stringify(seen.at(-1))}`,
      },
    );
    return seen;
  }

  beforeAll(async () => {
    const kubeconfig = inject('kubeconfig');
    t = await startTestbed({ kubeconfig, databaseUrl: inject('databaseUrl'), prefixes: [] });
    [bed, n8n] = await Promise.all([
      startRuntimeTestbed(kubeconfig, inject('databaseUrl')),
      startN8n({ databaseUrl: inject('databaseUrl') }),
    ]);
    bed.config.pollMs = 200;
    const runtime = createRuntimeComponent(bed.config);
    runtime.dependsOn.push('gateway-token');
    const components: Component[] = [
      namespaceComponent,
      createDatabaseComponent({ pool: t.db.pool, endpoint: t.db.endpoint }),
      createGatewayTokenComponent({ pool: t.db.pool, keys: t.keys }),
      createOAuthComponent({ pool: t.db.pool, keys: encryptionKeys('k1', { k1: OAUTH_KEY }) }),
      createWorkflowsComponent({ n8nUrl: n8n.url, apiKey: n8n.apiKey, pool: t.db.pool }),
      runtime,
    ];
    ctl = await startTestController(kubeconfig, {
      components,
      onDepartmentReconciled: provisioningRecorder({ pool: t.db.pool }),
    });
    const sa = new KubeConfig();
    sa.loadFromFile(await gatewayKubeconfig(kubeconfig, join(mkdtempSync(join(tmpdir(), 'gw-ps-')), 'kubeconfig')));
    departments = kubeDepartmentClient(sa);
    // The facade's own labels plus this test's shard, so that only this test's controller reconciles them.
    const sharded = {
      ...departments,
      create: (n: string, s: never, l: Record<string, string>) =>
        departments.create(n, s, { ...l, [TEST_LABEL]: ctl.shard }),
    };
    app = t.app({ departments: sharded, provisioningPerHour: 100 });
    admin = await t.token('platform', 'admin', { subject: `ops-${randomBytes(2).toString('hex')}` });
  }, 600_000);

  afterAll(async () => {
    for (const name of created) await t?.kube.delete(apiPaths.department(name)).catch(() => undefined);
    await waitFor(
      async () => {
        for (const name of created)
          if (
            await t.kube.get(apiPaths.department(name)).then(
              () => true,
              () => false,
            )
          )
            return false;
        return true;
      },
      { timeoutMs: 120_000, describe: () => 'departments not deprovisioned' },
    ).catch(() => undefined);
    await ctl?.stop();
    departments?.close();
    await n8n?.stop();
    await bed?.stop();
    await t?.stop();
  }, 300_000);

  it('does follow a department to COMPLETED with every step', async () => {
    const name = `ps-ok-${randomBytes(2).toString('hex')}`;
    const id = await provision(name);
    const seen = await follow(id, (s) => s.status === 'ACTIVE' || s.status === 'FAILED');
    const last = seen.at(-1) as ProvisioningStatus;
    expect(last).toMatchObject({
      provisioning_id: id,
      department_id: name,
      status: 'ACTIVE',
      progress: {
        database: 'completed',
        railway: 'completed',
        // No agent-health component on this controller; no spec.oauth in the request.
        docker: 'not_configured',
        n8n: 'completed',
        oauth: 'not_configured',
      },
      deployment_url: expect.stringMatching(/^https:\/\//),
      dashboard_url: expect.stringMatching(/^https:\/\/railway\.com\/project\//),
      completed_at: expect.any(String),
    });
    expect(Object.keys(last.steps ?? {}).sort()).toEqual([
      'database',
      'gateway-token',
      'namespace',
      'oauth',
      'runtime',
      'workflows',
    ]);
    // Progress was real: the first answers were still on the way.
    expect(seen[0]?.status).toBe('PROVISIONING');
    const { rows } = await t.db.pool.query(
      `SELECT d.railway_project_id, d.railway_deployment_url, d.dashboard_url, d.n8n_workflow_ids, d.config, j.status
         FROM federation.departments d JOIN federation.provisioning_jobs j USING (department_id)
        WHERE d.department_id = $1`,
      [name],
    );
    expect(last.steps?.oauth).toMatchObject({ state: 'not_configured', reason: 'NotConfigured' });
    expect(rows[0]).toMatchObject({
      railway_project_id: expect.any(String),
      railway_deployment_url: last.deployment_url,
      dashboard_url: last.dashboard_url,
      n8n_workflow_ids: { database: expect.any(String) },
      config: { displayName: `Department ${name}`, enabledTools: ['database'] },
      status: 'COMPLETED',
    });
  });

  it('does complete a department with Google tools from the OAuth client in the request', async () => {
    const name = `ps-mail-${randomBytes(2).toString('hex')}`;
    const clientSecret = `secret-${randomBytes(12).toString('hex')}`;
    const id = await provision(name, {
      enabled_tools: ['email', 'database'],
      oauth_client: { client_id: `${name}.apps.googleusercontent.com`, client_secret: clientSecret },
    });
    const seen = await follow(id, (s) => s.status === 'ACTIVE' || s.status === 'FAILED');
    const last = seen.at(-1) as ProvisioningStatus;
    expect(last).toMatchObject({
      status: 'ACTIVE',
      progress: { database: 'completed', railway: 'completed', n8n: 'completed', oauth: 'completed' },
    });
    expect(last.steps?.oauth).toMatchObject({ state: 'completed', reason: 'Valid' });
    expect(last.steps?.workflows).toMatchObject({ state: 'completed' });
    expect(JSON.stringify(seen)).not.toContain(clientSecret);

    // Stored as an operator stores one (crds/examples/oauth-clients.yaml), and named by the Department.
    const secret = await t.kube.get<{ metadata: { labels: Record<string, string> }; data: Record<string, string> }>(
      `${paths.namespacedSecrets('federation-oauth-clients')}/${name}-google-oauth`,
    );
    expect(secret.metadata.labels).toMatchObject({ 'federation.synrg.io/department': name });
    expect(Buffer.from(secret.data.client_secret as string, 'base64').toString()).toBe(clientSecret);
    const dept = await t.kube.get<{ spec: { oauth?: unknown } }>(apiPaths.department(name));
    expect(dept.spec.oauth).toEqual({
      secretRef: { name: `${name}-google-oauth`, namespace: 'federation-oauth-clients' },
    });
    const { rows } = await t.db.pool.query(
      `SELECT d.status, array_agg(o.service_name::text) AS services
         FROM federation.departments d JOIN federation.oauth_credentials o USING (department_id)
        WHERE d.department_id = $1 GROUP BY d.status`,
      [name],
    );
    expect(rows).toEqual([{ status: 'ACTIVE', services: ['gmail'] }]);
    const audit = await t.db.pool.query(
      'SELECT query_type, query_params FROM federation.cross_dept_audit WHERE target_department_id = $1',
      [name],
    );
    expect(JSON.stringify(audit.rows)).not.toContain(clientSecret);
    expect(audit.rows.find((r) => r.query_type === 'provision_department')?.query_params).toMatchObject({
      oauth_client: 'inline',
    });
  });

  it('does report the failing step and its reason when Railway fails the deployment', async () => {
    bed.railway.faults.failNextDeployments(100, 'FAILED', 'build failed: no Dockerfile');
    try {
      const name = `ps-fail-${randomBytes(2).toString('hex')}`;
      const id = await provision(name);
      const seen = await follow(id, (s) => s.status === 'FAILED' || s.status === 'ACTIVE');
      const last = seen.at(-1) as ProvisioningStatus;
      expect(last).toMatchObject({
        status: 'FAILED',
        progress: { database: 'completed', railway: 'failed', docker: 'not_configured' },
        error_message: expect.stringMatching(/^RuntimeReady: DeploymentFailed: .*build failed: no Dockerfile/),
      });
      const { rows } = await t.db.pool.query(
        `SELECT event_type, details->>'reason' AS reason FROM federation.security_audit
          WHERE department_id = $1 AND category = 'provisioning' AND event_type IN ('STEP_FAILED', 'PROVISIONING_FAILED')`,
        [name],
      );
      expect(rows.map((r) => r.event_type).sort()).toEqual(['PROVISIONING_FAILED', 'STEP_FAILED']);
    } finally {
      bed.railway.faults.reset();
    }
  });
});
