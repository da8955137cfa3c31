import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiPaths } from '../../crds/api-paths.ts';
import { adminClient, condition, departmentManifest, waitForDepartment } from '../../e2e/testenv/admin-client.ts';
import { startTestController, TEST_LABEL, type TestController } from '../../e2e/testenv/controller.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import type { Component } from '../../reconcilers/component.ts';
import { namespaceComponent } from '../../reconcilers/namespace/component.ts';
import { isNotFound, type RestClient } from '../platform/kube/rest-client.ts';

const kubeconfig = inject('kubeconfig');

/** A component whose delete takes as long as the test wants, standing in for a Pulumi destroy. */
const slow = { release: () => {}, deleting: false, deletes: 0 };
const slowComponent: Component = {
  name: 'slow',
  conditionType: 'SlowReady',
  dependsOn: ['namespace'],
  async apply() {
    return { condition: { status: 'True', reason: 'Provisioned', message: 'fine' } };
  },
  async delete() {
    slow.deleting = true;
    slow.deletes++;
    await new Promise<void>((resolve) => {
      slow.release = resolve;
    });
    return { condition: { status: 'False', reason: 'Deleted', message: 'gone' } };
  },
};

let admin: RestClient;
let ctl: TestController;

describe('department deletion status', () => {
  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    ctl = await startTestController(kubeconfig, { components: [namespaceComponent, slowComponent] });
  });
  afterAll(async () => {
    slow.release();
    await ctl?.stop();
  });

  it('shows Deprovisioning with Ready False at once, while the components are still being deleted', async () => {
    const name = 'del-status';
    await admin.create(apiPaths.departments, departmentManifest(name, { [TEST_LABEL]: ctl.shard }), 'test');
    await waitForDepartment(admin, name, (d) => d.status?.phase === 'Active');
    await admin.delete(apiPaths.department(name));
    await waitFor(async () => slow.deleting, { timeoutMs: 10_000, describe: () => 'the delete did not start' });

    const d = await waitForDepartment(admin, name, (x) => x.status?.phase === 'Deprovisioning', 5_000);
    expect(condition(d, 'Ready')).toMatchObject({ status: 'False', reason: 'Deprovisioning' });
    expect(condition(d, 'Ready')?.message).toContain('deletionPolicy Delete');
    expect(condition(d, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Deprovisioning' });

    slow.release();
    await waitFor(
      async () =>
        admin.get(apiPaths.department(name)).then(
          () => false,
          (e) => isNotFound(e),
        ),
      { timeoutMs: 10_000, describe: () => 'the finalizer was not released' },
    );
    // The status written first does not cost the finalizer patch a conflict (and the components a second delete).
    expect(slow.deletes).toBe(1);
  });
});
