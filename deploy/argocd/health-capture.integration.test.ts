import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { notConfigured } from '../../controller/components.ts';
import type { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import { API_VERSION } from '../../crds/common.ts';
import { adminClient, condition, departmentManifest } from '../../e2e/testenv/admin-client.ts';
import { startTestController, TEST_LABEL, type TestController } from '../../e2e/testenv/controller.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import type { Component } from '../../reconcilers/component.ts';
import { createDatabaseComponent } from '../../reconcilers/database/component.ts';
import { namespaceComponent } from '../../reconcilers/namespace/component.ts';
import { GROUP } from './argocd-cm.ts';

// Captures the objects the health checks' testdata hold from the real controller (its core and real components,
// against the test API server) and keeps the committed testdata equal to them. FEDERATION_UPDATE_TESTDATA=1
// rewrites the files instead of comparing (after a deliberate change to what the controller writes).

const kubeconfig = inject('kubeconfig');
const update = process.env.FEDERATION_UPDATE_TESTDATA === '1';
const testdata = (kind: string, file: string) =>
  fileURLToPath(new URL(`./resource_customizations/${GROUP}/${kind}/testdata/${file}.yaml`, import.meta.url));

/** Stands in for a component that takes a while, e.g. the runtime waiting for Railway to finish a deployment. */
const deploying: Component = {
  name: 'runtime',
  conditionType: 'RuntimeReady',
  dependsOn: ['namespace'],
  apply: async () => ({
    condition: { status: 'Unknown', reason: 'Deploying', message: 'deployment 4f1c is building on Railway' },
    requeueAfterMs: 60_000,
  }),
  delete: async () => ({ condition: { status: 'False', reason: 'Deleted', message: 'deleted' } }),
};

interface Captured {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { labels?: Record<string, string>; managedFields?: unknown };
  spec: unknown;
  status?: { phase?: string; conditions?: { type: string; lastTransitionTime: string }[] };
}

/** The object without what differs between runs (uid, versions, times, the test's shard label). */
function normalize(o: Captured): string {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, labels, ...metadata } = o.metadata;
  const { [TEST_LABEL]: _shard, ...otherLabels } = labels ?? {};
  const conditions = o.status?.conditions?.map((c) => ({ ...c, lastTransitionTime: '2026-01-01T00:00:00Z' }));
  const object = {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { ...metadata, ...(Object.keys(otherLabels).length > 0 ? { labels: otherLabels } : {}) },
    spec: o.spec,
    ...(o.status ? { status: { ...o.status, ...(conditions ? { conditions } : {}) } } : {}),
  };
  return [
    '# Written by the controller on the test API server, captured by deploy/argocd/health-capture.integration.test.ts',
    '# (uid, resourceVersion, timestamps and the test shard label normalised). Do not edit by hand.',
    stringify(object, { lineWidth: 0 }),
  ].join('\n');
}

let admin: RestClient;
const controllers: Record<'ready' | 'stalled' | 'failing' | 'deploying', TestController | undefined> = {
  ready: undefined,
  stalled: undefined,
  failing: undefined,
  deploying: undefined,
};
const unreachable = new pg.Pool({ connectionString: 'postgres://federation:unused@127.0.0.1:1/federation' });
const created: { path: string }[] = [];

async function createDepartment(ctl: TestController, name: string, spec: Record<string, unknown> = {}) {
  const body = departmentManifest(name, { [TEST_LABEL]: ctl.shard }, { enabledTools: ['email'], ...spec });
  await admin.create(apiPaths.departments, body, 'health-capture');
  created.push({ path: apiPaths.department(name) });
}

async function createGrant(ctl: TestController, name: string, spec: Record<string, unknown>) {
  const body = {
    apiVersion: API_VERSION,
    kind: 'CrossDepartmentGrant',
    metadata: { name, labels: { [TEST_LABEL]: ctl.shard } },
    spec: { permissions: ['read'], queryTypes: ['search_documents'], reason: 'health-check testdata', ...spec },
  };
  await admin.create(apiPaths.grants, body, 'health-capture');
  created.push({ path: apiPaths.grant(name) });
}

async function waitUntil(path: string, check: (o: Captured) => boolean): Promise<Captured> {
  let last: Captured | undefined;
  await waitFor(
    async () => {
      last = await admin.get<Captured>(path);
      return check(last);
    },
    { timeoutMs: 60_000, intervalMs: 200, describe: () => `${path} never matched: ${JSON.stringify(last?.status)}` },
  );
  return last as Captured;
}

/** Compares the capture with the committed testdata (or writes it with FEDERATION_UPDATE_TESTDATA=1). */
function expectTestdata(kind: string, file: string, object: Captured) {
  const path = testdata(kind, file);
  const captured = normalize(object);
  if (update || !existsSync(path)) writeFileSync(path, captured);
  expect(readFileSync(path, 'utf8'), `${path} differs from what the controller writes now`).toBe(captured);
}

const ready = (o: Captured) => condition(o, 'Ready')?.status === 'True';

describe('Argo CD health testdata', () => {
  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    const env = { BACKOFF_BASE: '5ms', BACKOFF_MAX: '200ms' };
    [controllers.ready, controllers.stalled, controllers.failing, controllers.deploying] = await Promise.all([
      startTestController(kubeconfig, { components: [namespaceComponent], env }),
      startTestController(kubeconfig, {
        // What a controller started without DATABASE_URL runs (controller/components.ts).
        components: [
          namespaceComponent,
          notConfigured('database', 'set DATABASE_URL (Secret federation-platform-database, key url)'),
        ],
        env,
      }),
      startTestController(kubeconfig, {
        components: [
          namespaceComponent,
          createDatabaseComponent({
            pool: unreachable,
            endpoint: { host: '127.0.0.1', port: 1, database: 'federation' },
          }),
        ],
        env,
      }),
      startTestController(kubeconfig, { components: [namespaceComponent, deploying], env }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(Object.values(controllers).map((c) => c?.stop()));
    await unreachable.end();
    // Deletion needs the controllers' finalizers gone; nothing of these objects outlives the test run's API server.
    for (const { path } of created) {
      await admin.mergePatch(path, { metadata: { finalizers: null } }, 'health-capture').catch(() => undefined);
      await admin.delete(path).catch(() => undefined);
    }
  });

  it('captures a ready Department and grant, a suspended Department and grants that cannot apply', async () => {
    const ctl = controllers.ready as TestController;
    await createDepartment(ctl, 'argo-healthy');
    await createDepartment(ctl, 'argo-stale');
    await createDepartment(ctl, 'argo-suspended', { suspend: true });
    await createGrant(ctl, 'argo-grant-ready', { sourceDepartment: 'argo-healthy', targetDepartment: 'argo-stale' });
    await createGrant(ctl, 'argo-grant-stale', { sourceDepartment: 'argo-stale', targetDepartment: 'argo-healthy' });
    await createGrant(ctl, 'argo-grant-missing', {
      sourceDepartment: 'argo-healthy',
      targetDepartment: 'argo-nonexistent',
    });
    await createGrant(ctl, 'argo-grant-suspended', {
      sourceDepartment: 'argo-healthy',
      targetDepartment: 'argo-stale',
      suspend: true,
    });
    await createGrant(ctl, 'argo-grant-expired', {
      sourceDepartment: 'argo-healthy',
      targetDepartment: 'argo-stale',
      expiresAt: '2025-01-01T00:00:00Z',
    });

    const healthy = await waitUntil(apiPaths.department('argo-healthy'), (o) => ready(o));
    expectTestdata('Department', 'healthy', healthy);
    await waitUntil(apiPaths.department('argo-stale'), ready);
    const suspended = await waitUntil(
      apiPaths.department('argo-suspended'),
      (o) => condition(o, 'Reconciling')?.reason === 'Suspended',
    );
    expectTestdata('Department', 'suspended', suspended);
    expectTestdata('CrossDepartmentGrant', 'healthy', await waitUntil(apiPaths.grant('argo-grant-ready'), ready));
    await waitUntil(apiPaths.grant('argo-grant-stale'), ready);
    const missing = await waitUntil(
      apiPaths.grant('argo-grant-missing'),
      (o) => condition(o, 'Ready')?.reason === 'DepartmentNotFound',
    );
    expectTestdata('CrossDepartmentGrant', 'department-not-found', missing);
    const expired = await waitUntil(
      apiPaths.grant('argo-grant-expired'),
      (o) => condition(o, 'Ready')?.reason === 'Expired',
    );
    expectTestdata('CrossDepartmentGrant', 'expired', expired);
    const suspendedGrant = await waitUntil(
      apiPaths.grant('argo-grant-suspended'),
      (o) => condition(o, 'Ready')?.reason === 'Suspended',
    );
    expectTestdata('CrossDepartmentGrant', 'suspended', suspendedGrant);
  });

  it('captures objects whose spec changed after the controller last wrote their status', async () => {
    // The controller is down (or behind) while someone edits the spec: generation moves past observedGeneration.
    await controllers.ready?.stop();
    controllers.ready = undefined;
    await admin.mergePatch(apiPaths.department('argo-stale'), { spec: { displayName: 'Stale' } }, 'health-capture');
    const stale = await admin.get<Captured & { metadata: { generation: number } }>(apiPaths.department('argo-stale'));
    expect(stale.metadata.generation).toBe(2);
    expect(stale.status).toMatchObject({ observedGeneration: 1, phase: 'Active' });
    expectTestdata('Department', 'stale-generation', stale);

    await admin.mergePatch(apiPaths.grant('argo-grant-stale'), { spec: { reason: 'changed' } }, 'health-capture');
    const staleGrant = await admin.get<Captured>(apiPaths.grant('argo-grant-stale'));
    expect(staleGrant.status).toMatchObject({ observedGeneration: 1 });
    expectTestdata('CrossDepartmentGrant', 'stale-generation', staleGrant);
  });

  it('captures a Department stalled on a missing setting', async () => {
    await createDepartment(controllers.stalled as TestController, 'argo-stalled');
    const stalled = await waitUntil(
      apiPaths.department('argo-stalled'),
      (o) => condition(o, 'Stalled')?.status === 'True',
    );
    expect(condition(stalled, 'Stalled')?.reason).toBe('SettingsMissing');
    expectTestdata('Department', 'stalled', stalled);
  });

  it('captures a Department Failed after its database stayed unreachable', async () => {
    await createDepartment(controllers.failing as TestController, 'argo-failed');
    const failed = await waitUntil(apiPaths.department('argo-failed'), (o) => o.status?.phase === 'Failed');
    expect(condition(failed, 'Stalled')?.status).toBe('False');
    expect(condition(failed, 'DatabaseReady')).toMatchObject({ status: 'False', reason: 'ApplyFailed' });
    expectTestdata('Department', 'failed', failed);
  });

  it('captures a Department still reconciling', async () => {
    await createDepartment(controllers.deploying as TestController, 'argo-reconciling');
    const reconciling = await waitUntil(
      apiPaths.department('argo-reconciling'),
      (o) => condition(o, 'RuntimeReady')?.reason === 'Deploying' && condition(o, 'Reconciling')?.status === 'True',
    );
    expectTestdata('Department', 'reconciling', reconciling);
  });
});
