import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { deleteOwnedSecret, readSecret } from '../../controller/platform/kube/secrets.ts';
import { isConflict, isNotFound, paths } from '../../controller/runtime/kube-api.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import { DEPARTMENT_LABEL, FIELD_MANAGER } from '../../crds/names.ts';
import { DATABASE_SECRET } from '../../crds/secrets.ts';
import {
  adminClient,
  condition,
  departmentManifest,
  getDepartment,
  waitForDepartment,
} from '../../e2e/testenv/admin-client.ts';
import { startTestController, TEST_LABEL, type TestController } from '../../e2e/testenv/controller.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import type { Component } from '../component.ts';
import { namespaceComponent } from './component.ts';

const kubeconfig = inject('kubeconfig');

/**
 * Departments whose teardown lasts until the garbage collector has acted on their foreground deletion (as the
 * components whose teardown takes seconds, a Pulumi destroy, do; the namespace goes last): until it has removed
 * the foregroundDeletion finalizer (no dependent left to delete) or started deleting the namespace.
 */
const SLOW_TEARDOWN = 'ns-fg-';

async function untilCollected(name: string): Promise<void> {
  await waitFor(
    async () => {
      const d = await getDepartment(admin, name);
      const ns = await admin.get<Namespace>(paths.namespace(`dept-${name}`)).catch(() => undefined);
      return !d.metadata.finalizers?.includes('foregroundDeletion') || !ns || Boolean(ns.metadata.deletionTimestamp);
    },
    { timeoutMs: 90_000, describe: () => `the garbage collector never acted on ${name}'s foreground deletion` },
  );
}

/** Stands in for the components that write a department's Secrets into its namespace and delete them again. */
const tenantSecret: Component = {
  name: 'tenant-secret',
  conditionType: 'TenantSecretReady',
  dependsOn: ['namespace'],
  async apply(ctx) {
    const path = paths.namespacedSecrets(ctx.namespace);
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: DATABASE_SECRET, labels: { [DEPARTMENT_LABEL]: ctx.department.metadata.name } },
      stringData: { password: 'tenant-password' },
    };
    await ctx.kube.create(path, body, FIELD_MANAGER).catch((err: unknown) => {
      if (!isConflict(err)) throw err;
    });
    return { condition: { status: 'True', reason: 'Written', message: 'written' } };
  },
  async delete(ctx) {
    if (ctx.department.metadata.name.startsWith(SLOW_TEARDOWN)) await untilCollected(ctx.department.metadata.name);
    await deleteOwnedSecret(
      ctx.kube,
      { namespace: ctx.namespace, name: DATABASE_SECRET },
      ctx.department.metadata.name,
    );
    return { condition: { status: 'False', reason: 'Deleted', message: 'gone' } };
  },
};

interface Namespace {
  metadata: {
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { uid: string; kind: string; controller?: boolean }[];
  };
}

let admin: RestClient;
let ctl: TestController;
const labels = () => ({ [TEST_LABEL]: ctl.shard });

async function gone(name: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        await getDepartment(admin, name);
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    },
    { timeoutMs: 30_000, describe: () => `department ${name} was not finalized` },
  );
}

async function prepareNamespace(name: string, nsLabels: Record<string, string> = {}): Promise<void> {
  await admin.create(
    paths.namespaces,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: nsLabels } },
    'test',
  );
  await admin.create(
    paths.namespacedSecrets(name),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: DATABASE_SECRET }, stringData: { password: 'theirs' } },
    'test',
  );
  await admin.create(
    `/api/v1/namespaces/${name}/configmaps`,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'theirs' }, data: { a: 'b' } },
    'test',
  );
}

describe('namespace component', () => {
  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    ctl = await startTestController(kubeconfig, {
      components: [namespaceComponent, tenantSecret],
      env: { RESYNC_PERIOD: '1s', BACKOFF_BASE: '50ms', BACKOFF_MAX: '2s' },
    });
  });
  afterAll(async () => {
    await ctl?.stop();
  });

  it('does not take over, write into or delete a namespace someone else created', async () => {
    const name = `ns-taken-${randomUUID().slice(0, 6)}`;
    const namespace = `dept-${name}`;
    await prepareNamespace(namespace);
    await admin.create(apiPaths.departments, departmentManifest(name, labels()), 'test');
    const d = await waitForDepartment(admin, name, (x) => condition(x, 'NamespaceReady')?.status === 'False');
    expect(condition(d, 'NamespaceReady')).toMatchObject({ reason: 'NamespaceNotOwned' });
    expect(condition(d, 'Stalled')).toMatchObject({ status: 'True' });
    expect(condition(d, 'TenantSecretReady')?.status).not.toBe('True');

    const ns = await admin.get<Namespace>(paths.namespace(namespace));
    expect(ns.metadata.labels?.[DEPARTMENT_LABEL]).toBeUndefined();
    expect(ns.metadata.ownerReferences ?? []).toEqual([]);
    const theirs = await readSecret(admin, { namespace, name: DATABASE_SECRET });
    expect(Buffer.from(theirs?.data?.password ?? '', 'base64').toString()).toBe('theirs');

    await admin.delete(apiPaths.department(name));
    await gone(name);
    const after = await admin.get<Namespace>(paths.namespace(namespace));
    expect(after.metadata.deletionTimestamp).toBeUndefined();
    expect(await readSecret(admin, { namespace, name: DATABASE_SECRET })).toBeDefined();
    await admin.get(`/api/v1/namespaces/${namespace}/configmaps/theirs`);
  });

  it('adopts a namespace handed over with its department label', async () => {
    const name = `ns-handed-${randomUUID().slice(0, 6)}`;
    const namespace = `dept-${name}`;
    await admin.create(
      paths.namespaces,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [DEPARTMENT_LABEL]: name } } },
      'test',
    );
    await admin.create(apiPaths.departments, departmentManifest(name, labels()), 'test');
    const d = await waitForDepartment(admin, name, (x) => x.status?.phase === 'Active');
    const ns = await admin.get<Namespace>(paths.namespace(namespace));
    expect(ns.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Department', uid: d.metadata.uid, controller: true }),
    ]);
    expect(await readSecret(admin, { namespace, name: DATABASE_SECRET })).toBeDefined();
    await admin.delete(apiPaths.department(name));
    await gone(name);
  });

  it('under Retain removes only its own owner reference', async () => {
    const name = `ns-kept-${randomUUID().slice(0, 6)}`;
    const namespace = `dept-${name}`;
    await admin.create(apiPaths.departments, departmentManifest(name, labels(), { deletionPolicy: 'Retain' }), 'test');
    await waitForDepartment(admin, name, (x) => x.status?.phase === 'Active');
    const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'someone-else', uid: randomUUID() };
    const ns = await admin.get<Namespace>(paths.namespace(namespace));
    // A namespace that must outlive its Department is not its dependent: the label says whose it is.
    expect(ns.metadata.ownerReferences ?? []).toEqual([]);
    expect(ns.metadata.labels?.[DEPARTMENT_LABEL]).toBe(name);
    await admin.mergePatch(
      paths.namespace(namespace),
      { metadata: { ownerReferences: [...(ns.metadata.ownerReferences ?? []), other] } },
      'test',
    );
    await admin.delete(apiPaths.department(name));
    await gone(name);
    const kept = await admin.get<Namespace>(paths.namespace(namespace));
    expect(kept.metadata.deletionTimestamp).toBeUndefined();
    expect(kept.metadata.labels?.[DEPARTMENT_LABEL]).toBe(name);
    expect(kept.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ConfigMap', uid: other.uid })]);
  });

  it('under Retain keeps the namespace through a foreground deletion, as Argo CD prunes', async () => {
    // Foreground: the garbage collector deletes the Department's dependents before its finalizers run, so a
    // retained namespace that were one would be gone before the controller could let it go.
    const name = `${SLOW_TEARDOWN}${randomUUID().slice(0, 6)}`;
    const namespace = `dept-${name}`;
    await admin.create(apiPaths.departments, departmentManifest(name, labels(), { deletionPolicy: 'Retain' }), 'test');
    await waitForDepartment(admin, name, (x) => x.status?.phase === 'Active');
    await admin.delete(apiPaths.department(name), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
    });
    await gone(name);
    const kept = await admin.get<Namespace>(paths.namespace(namespace));
    expect(kept.metadata.deletionTimestamp).toBeUndefined();
    expect(kept.metadata.labels?.[DEPARTMENT_LABEL]).toBe(name);
  });

  it('moves its owner reference with deletionPolicy: Delete -> Retain -> Delete', async () => {
    const name = `ns-flip-${randomUUID().slice(0, 6)}`;
    const namespace = `dept-${name}`;
    await admin.create(apiPaths.departments, departmentManifest(name, labels()), 'test');
    const d = await waitForDepartment(admin, name, (x) => x.status?.phase === 'Active');
    const refs = async () =>
      ((await admin.get<Namespace>(paths.namespace(namespace))).metadata.ownerReferences ?? []).map((o) => o.uid);
    expect(await refs()).toEqual([d.metadata.uid]);
    for (const [policy, expected] of [
      ['Retain', []],
      ['Delete', [d.metadata.uid]],
    ] as const) {
      await admin.mergePatch(apiPaths.department(name), { spec: { deletionPolicy: policy } }, 'test');
      await waitFor(async () => JSON.stringify(await refs()) === JSON.stringify(expected), {
        timeoutMs: 30_000,
        describe: () => `the namespace's owner references never became ${JSON.stringify(expected)} (${policy})`,
      });
    }
    await admin.delete(apiPaths.department(name));
    await gone(name);
  });

  it('deletes the namespace it created under Delete, and the namespace controller empties it', async () => {
    const name = `ns-mine-${randomUUID().slice(0, 6)}`;
    const namespace = `dept-${name}`;
    await admin.create(apiPaths.departments, departmentManifest(name, labels()), 'test');
    await waitForDepartment(admin, name, (x) => x.status?.phase === 'Active');
    // Written into the department's namespace by someone else (an app, a person): the controller never deletes
    // it itself; only the namespace going takes it along.
    await admin.create(
      paths.namespacedSecrets(namespace),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'written-by-someone-else' }, stringData: { a: 'b' } },
      'test',
    );
    await admin.delete(apiPaths.department(name));
    await gone(name);
    // kube-controller-manager's namespace controller deletes what is left inside and then the namespace itself.
    await waitFor(
      async () =>
        admin.get<Namespace>(paths.namespace(namespace)).then(
          () => false,
          (err) => {
            if (isNotFound(err)) return true;
            throw err;
          },
        ),
      { timeoutMs: 60_000, describe: () => `namespace ${namespace} never finished deleting` },
    );
    expect(await readSecret(admin, { namespace, name: DATABASE_SECRET })).toBeUndefined();
    expect(await readSecret(admin, { namespace, name: 'written-by-someone-else' })).toBeUndefined();
  });
});
