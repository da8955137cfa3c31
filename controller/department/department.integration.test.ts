import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiPaths } from '../../crds/api-paths.ts';
import {
  adminClient,
  condition,
  departmentManifest,
  getDepartment,
  waitForDepartment,
} from '../../e2e/testenv/admin-client.ts';
import { metricValue, startTestController, TEST_LABEL, type TestController } from '../../e2e/testenv/controller.ts';
import { kubectlOk } from '../../e2e/testenv/kubectl.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import type { Component } from '../../reconcilers/component.ts';
import { namespaceComponent } from '../../reconcilers/namespace/component.ts';
import { isNotFound, type RestClient } from '../platform/kube/rest-client.ts';
import { paths } from '../runtime/kube-api.ts';

const kubeconfig = inject('kubeconfig');

/** A component the test can make fail on demand, standing in for an external system. */
const flaky = { failing: new Set<string>() };
const flakyComponent: Component = {
  name: 'flaky',
  conditionType: 'FlakyReady',
  dependsOn: ['namespace'],
  async apply(ctx) {
    if (flaky.failing.has(ctx.department.metadata.name)) throw new Error('upstream said no: connection refused');
    return { condition: { status: 'True', reason: 'Provisioned', message: 'fine' } };
  },
  async delete() {
    return { condition: { status: 'False', reason: 'Deleted', message: 'gone' } };
  },
};

let admin: RestClient;
let ctl: TestController;
const labels = () => ({ [TEST_LABEL]: ctl.shard });

async function metrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${ctl.manager.port}/metrics`)).text();
}

async function events(name: string): Promise<{ reason: string; note: string; type: string }[]> {
  const list = await admin.get<{
    items: { reason: string; note: string; type: string; regarding: { name: string; kind: string } }[];
  }>('/apis/events.k8s.io/v1/namespaces/default/events');
  return list.items.filter((e) => e.regarding.kind === 'Department' && e.regarding.name === name);
}

describe('department controller', () => {
  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    ctl = await startTestController(kubeconfig, {
      components: [namespaceComponent, flakyComponent],
      env: { RESYNC_PERIOD: '1s', BACKOFF_BASE: '50ms', BACKOFF_MAX: '2s' },
    });
  });
  afterAll(async () => {
    await ctl?.stop();
  });

  it('creates the namespace with an owner reference and reports Ready with the kstatus conditions', async () => {
    await admin.create(apiPaths.departments, departmentManifest('ctl-alpha', labels()), 'test');
    const d = await waitForDepartment(admin, 'ctl-alpha', (x) => x.status?.phase === 'Active');
    expect(d.metadata.finalizers).toContain('federation.synrg.io/finalizer');
    expect(condition(d, 'Ready')).toMatchObject({ status: 'True', observedGeneration: d.metadata.generation });
    expect(condition(d, 'Reconciling')?.status).toBe('False');
    expect(condition(d, 'Stalled')?.status).toBe('False');
    expect(condition(d, 'NamespaceReady')).toMatchObject({ status: 'True', reason: 'NamespaceReady' });
    expect(d.status?.observedGeneration).toBe(d.metadata.generation);
    expect(d.status?.namespace).toBe('dept-ctl-alpha');

    const ns = await admin.get<{ metadata: { labels: Record<string, string>; ownerReferences: unknown[] } }>(
      paths.namespace('dept-ctl-alpha'),
    );
    expect(ns.metadata.labels['federation.synrg.io/department']).toBe('ctl-alpha');
    expect(ns.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Department',
        name: 'ctl-alpha',
        uid: d.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      }),
    ]);
    const reasons = (await events('ctl-alpha')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['ProvisioningStarted', 'Ready']));
    const described = await kubectlOk(kubeconfig, ['describe', 'dept', 'ctl-alpha']);
    expect(described).toMatch(/Events:[\s\S]*ProvisioningStarted/);
    expect(described).toMatch(/Normal\s+Ready\s+.*all components are ready/);
  });

  it('follows spec changes with observedGeneration', async () => {
    await waitForDepartment(admin, 'ctl-alpha', (x) => x.status?.phase === 'Active');
    const patched = await admin.mergePatch<{ metadata: { generation: number } }>(
      apiPaths.department('ctl-alpha'),
      { spec: { displayName: 'Alpha v2' } },
      'test',
    );
    // Not observedGeneration alone: it is also set on the Provisioning status written as the reconcile starts.
    const d = await waitForDepartment(
      admin,
      'ctl-alpha',
      (x) => x.status?.observedGeneration === patched.metadata.generation && x.status?.phase === 'Active',
    );
    expect(condition(d, 'Ready')?.observedGeneration).toBe(patched.metadata.generation);
  });

  it('makes zero API writes while resyncing a healthy department', async () => {
    await waitForDepartment(admin, 'ctl-alpha', (x) => x.status?.phase === 'Active');
    await new Promise((r) => setTimeout(r, 1500));
    const before = await getDepartment(admin, 'ctl-alpha');
    const text = await metrics();
    // Everything but the leader Lease's renewals.
    const writes = (t: string) =>
      metricValue(t, 'federation_api_writes_total') -
      metricValue(t, 'federation_api_writes_total', { resource: 'leases' });
    const reconciles = (t: string) =>
      metricValue(t, 'controller_runtime_reconcile_total', { controller: 'department' });
    const writesBefore = writes(text);
    const reconcilesBefore = reconciles(text);
    await new Promise((r) => setTimeout(r, 3500)); // three resync periods
    const after = await metrics();
    expect(reconciles(after) - reconcilesBefore).toBeGreaterThanOrEqual(2);
    expect(writes(after) - writesBefore).toBe(0);
    expect((await getDepartment(admin, 'ctl-alpha')).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('recreates the namespace when someone deletes it', async () => {
    await admin.delete(paths.namespace('dept-ctl-alpha'));
    // No namespace controller runs in the test environment (as with envtest): finish the deletion ourselves.
    const ns = await admin.get<Record<string, unknown>>(paths.namespace('dept-ctl-alpha'));
    await admin.request(`${paths.namespace('dept-ctl-alpha')}/finalize`, {
      method: 'PUT',
      body: { ...ns, spec: { finalizers: [] } },
    });
    await waitFor(
      async () => {
        const again = await admin.get<{ metadata: { uid: string; deletionTimestamp?: string } }>(
          paths.namespace('dept-ctl-alpha'),
        );
        return again.metadata.uid !== (ns.metadata as { uid: string }).uid && !again.metadata.deletionTimestamp;
      },
      { timeoutMs: 20_000, describe: () => 'namespace was not recreated' },
    );
  });

  it('reports a failing component, backs off, and recovers with an Event', async () => {
    flaky.failing.add('ctl-beta');
    await admin.create(apiPaths.departments, departmentManifest('ctl-beta', labels()), 'test');
    const d = await waitForDepartment(admin, 'ctl-beta', (x) => condition(x, 'FlakyReady')?.status === 'False');
    expect(condition(d, 'FlakyReady')).toMatchObject({
      reason: 'ApplyFailed',
      message: 'upstream said no: connection refused',
    });
    expect(condition(d, 'Ready')).toMatchObject({ status: 'False', reason: 'ComponentFailed' });
    expect(condition(d, 'Ready')?.message).toContain('FlakyReady');
    expect(condition(d, 'NamespaceReady')?.status).toBe('True'); // independent of the failing component
    await waitFor(async () => metricValue(await metrics(), 'workqueue_retries_total', { name: 'department' }) >= 3, {
      timeoutMs: 20_000,
      describe: () => 'no retries counted',
    });
    expect(
      metricValue(await metrics(), 'controller_runtime_reconcile_errors_total', { controller: 'department' }),
    ).toBeGreaterThan(0);
    expect((await events('ctl-beta')).some((e) => e.reason === 'ComponentFailed' && e.type === 'Warning')).toBe(true);

    flaky.failing.delete('ctl-beta');
    const healed = await waitForDepartment(admin, 'ctl-beta', (x) => condition(x, 'Ready')?.status === 'True');
    expect(condition(healed, 'FlakyReady')).toMatchObject({ status: 'True', reason: 'Provisioned' });
    expect(healed.status?.phase).toBe('Active');
    // The Event is posted beside the status write that made it Ready, not before it: wait for it.
    await waitFor(async () => (await events('ctl-beta')).some((e) => e.reason === 'ComponentRecovered'), {
      timeoutMs: 10_000,
      describe: () => 'no ComponentRecovered Event after the department recovered',
    });
  });

  it('stops making changes while suspended and handles the reconcile-request annotation', async () => {
    await admin.create(apiPaths.departments, departmentManifest('ctl-gamma', labels(), { suspend: true }), 'test');
    const d = await waitForDepartment(admin, 'ctl-gamma', (x) => condition(x, 'Reconciling')?.reason === 'Suspended');
    expect(condition(d, 'NamespaceReady')).toBeUndefined();
    await expect(admin.get(paths.namespace('dept-ctl-gamma'))).rejects.toSatisfy(isNotFound);

    await admin.mergePatch(apiPaths.department('ctl-gamma'), { spec: { suspend: false } }, 'test');
    await waitForDepartment(admin, 'ctl-gamma', (x) => x.status?.phase === 'Active');
    await admin.mergePatch(
      apiPaths.department('ctl-gamma'),
      { metadata: { annotations: { 'federation.synrg.io/reconcile-request': 'now-1' } } },
      'test',
    );
    await waitForDepartment(admin, 'ctl-gamma', (x) => x.status?.lastHandledReconcileRequest === 'now-1');
  });

  it('runs the finalizer on delete and the object goes away', async () => {
    await admin.create(apiPaths.departments, departmentManifest('ctl-delta', labels()), 'test');
    await waitForDepartment(admin, 'ctl-delta', (x) => x.status?.phase === 'Active');
    await admin.delete(apiPaths.department('ctl-delta'));
    await waitFor(
      async () => {
        try {
          await getDepartment(admin, 'ctl-delta');
          return false;
        } catch (err) {
          return isNotFound(err);
        }
      },
      { timeoutMs: 20_000, describe: () => 'department was not finalized' },
    );
    const ns = await admin
      .get<{ metadata: { deletionTimestamp?: string } }>(paths.namespace('dept-ctl-delta'))
      .catch((e) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });
    expect(ns === undefined || ns.metadata.deletionTimestamp !== undefined).toBe(true);
    expect((await events('ctl-delta')).map((e) => e.reason)).toContain('Deprovisioned');
  });
});
