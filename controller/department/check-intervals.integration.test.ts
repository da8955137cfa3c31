import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiPaths } from '../../crds/api-paths.ts';
import { DEPARTMENT_LABEL, FIELD_MANAGER, RECONCILE_REQUEST_ANNOTATION } from '../../crds/names.ts';
import { adminClient, condition, departmentManifest, waitForDepartment } from '../../e2e/testenv/admin-client.ts';
import { startTestController, TEST_LABEL, type TestController } from '../../e2e/testenv/controller.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import type { Component, ComponentResult } from '../../reconcilers/component.ts';
import { namespaceComponent } from '../../reconcilers/namespace/component.ts';
import type { RestClient } from '../platform/kube/rest-client.ts';
import { paths } from '../runtime/kube-api.ts';

const kubeconfig = inject('kubeconfig');
const NAME = 'ctl-intervals';

/** Applies per component, and whether the polled one (a runtime still deploying, say) is still in progress. */
const state = { polled: 0, slow: 0, quick: 0, deploying: true };

const ready = (message: string): ComponentResult => ({ condition: { status: 'True', reason: 'Provisioned', message } });

/**
 * Checked on every pass, asking for a pass every 100 ms while it deploys, and writing its progress into a Secret of
 * the Department each time (as the controller: its own writes do not have the other components checked again).
 */
const polled: Component = {
  name: 'polled',
  conditionType: 'PolledReady',
  dependsOn: ['namespace'],
  async apply(ctx) {
    state.polled++;
    if (!state.deploying) return ready('deployed');
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'progress', namespace: ctx.namespace, labels: { [DEPARTMENT_LABEL]: NAME } },
      stringData: { passes: String(state.polled) },
    };
    await ctx.kube.apply(`${paths.namespacedSecrets(ctx.namespace)}/progress`, secret, FIELD_MANAGER);
    return { condition: { status: 'Unknown', reason: 'Deploying', message: 'deploying' }, requeueAfterMs: 100 };
  },
  async delete() {
    return { condition: { status: 'False', reason: 'Deleted', message: 'gone' } };
  },
};

/** A check that stands for a minute: longer than this test, so only a change makes it run again. */
const slow: Component = {
  name: 'slow',
  conditionType: 'SlowReady',
  dependsOn: ['namespace'],
  checkIntervalMs: 60_000,
  async apply() {
    state.slow++;
    return { ...ready('checked'), outputs: { checked: true } };
  },
  async delete() {
    return { condition: { status: 'False', reason: 'Deleted', message: 'gone' } };
  },
};

/** A check that stands for 1.5 s: the Department is reconciled again when it is due, with no resync for an hour. */
const quick: Component = {
  name: 'quick',
  conditionType: 'QuickReady',
  dependsOn: ['slow'],
  checkIntervalMs: 1500,
  async apply() {
    state.quick++;
    return ready('checked');
  },
  async delete() {
    return { condition: { status: 'False', reason: 'Deleted', message: 'gone' } };
  },
};

/** The count `read` gives once it stayed the same for `quietMs`. */
async function settled(read: () => number, quietMs = 1500): Promise<number> {
  let last = read();
  let since = Date.now();
  await waitFor(
    async () => {
      if (read() !== last) {
        last = read();
        since = Date.now();
      }
      return Date.now() - since >= quietMs;
    },
    { timeoutMs: 30_000, intervalMs: 100, describe: () => `the count kept changing: ${last}` },
  );
  return last;
}

describe('per-component check intervals', () => {
  let admin: RestClient;
  let ctl: TestController;

  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    ctl = await startTestController(kubeconfig, {
      components: [namespaceComponent, polled, slow, quick],
      env: { RESYNC_PERIOD: '1h', BACKOFF_BASE: '50ms', BACKOFF_MAX: '2s' },
    });
    await admin.create(apiPaths.departments, departmentManifest(NAME, { [TEST_LABEL]: ctl.shard }), 'test');
  });
  afterAll(async () => {
    await ctl?.stop();
  });

  it('does not check a component again on the passes another component asks for, or for its own writes', async () => {
    await waitFor(async () => state.polled >= 5, { timeoutMs: 30_000, describe: () => 'the polled component ran' });
    const slowChecks = await settled(() => state.slow);
    const polledBefore = state.polled;
    await waitFor(async () => state.polled >= polledBefore + 20, {
      timeoutMs: 30_000,
      describe: () => `only ${state.polled - polledBefore} passes`,
    });
    expect(state.slow).toBe(slowChecks);

    state.deploying = false;
    const d = await waitForDepartment(admin, NAME, (x) => condition(x, 'Ready')?.status === 'True');
    expect(condition(d, 'SlowReady')).toMatchObject({ status: 'True', observedGeneration: d.metadata.generation });
    expect(state.slow).toBe(slowChecks);
  });

  it('checks a component again when its interval ends, without a resync', async () => {
    const before = state.quick;
    await waitFor(async () => state.quick >= before + 2, {
      timeoutMs: 15_000,
      describe: () => `quick was checked ${state.quick - before} times`,
    });
  });

  it('checks every component again on a reconcile request', async () => {
    const before = state.slow;
    await admin.mergePatch(
      apiPaths.department(NAME),
      { metadata: { annotations: { [RECONCILE_REQUEST_ANNOTATION]: 'now-1' } } },
      'test',
    );
    await waitFor(async () => state.slow > before, {
      timeoutMs: 10_000,
      describe: () => 'a reconcile request did not have it checked again',
    });
  });

  it('checks every component again when an object the Department owns changes', async () => {
    const before = await settled(() => state.slow);
    await admin.create(
      paths.namespacedSecrets(`dept-${NAME}`),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'owned', labels: { [DEPARTMENT_LABEL]: NAME } },
        stringData: { key: 'value' },
      },
      'test',
    );
    await waitFor(async () => state.slow > before, {
      timeoutMs: 10_000,
      describe: () => 'a new Secret of the Department did not have it checked again',
    });
    const created = await settled(() => state.slow);
    await admin.delete(`${paths.namespacedSecrets(`dept-${NAME}`)}/owned`);
    await waitFor(async () => state.slow > created, {
      timeoutMs: 10_000,
      describe: () => 'a deleted Secret of the Department did not have it checked again',
    });
  });
});
