import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiPaths } from '../../crds/api-paths.ts';
import { API_VERSION } from '../../crds/common.ts';
import { adminClient, condition, departmentManifest } from '../../e2e/testenv/admin-client.ts';
import { startTestController, TEST_LABEL, type TestController } from '../../e2e/testenv/controller.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import { namespaceComponent } from '../../reconcilers/namespace/component.ts';
import type { RestClient } from '../platform/kube/rest-client.ts';
import type { GrantObject } from './reconciler.ts';

const kubeconfig = inject('kubeconfig');
let admin: RestClient;
let ctl: TestController;

function grantManifest(name: string, source: string, target: string, expiresAt?: string) {
  return {
    apiVersion: API_VERSION,
    kind: 'CrossDepartmentGrant',
    metadata: { name, labels: { [TEST_LABEL]: ctl.shard } },
    spec: {
      sourceDepartment: source,
      targetDepartment: target,
      permissions: ['search'],
      queryTypes: ['search_documents'],
      reason: 'test',
      ...(expiresAt ? { expiresAt } : {}),
    },
  };
}

async function waitForGrant(name: string, check: (g: GrantObject) => boolean): Promise<GrantObject> {
  let last: GrantObject | undefined;
  await waitFor(
    async () => {
      last = await admin.get<GrantObject>(apiPaths.grant(name));
      return check(last);
    },
    { timeoutMs: 20_000, describe: () => `grant ${name} never matched: ${JSON.stringify(last?.status)}` },
  );
  return last as GrantObject;
}

describe('grant controller', () => {
  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    ctl = await startTestController(kubeconfig, { components: [namespaceComponent] });
    for (const d of ['gr-source', 'gr-target']) {
      await admin.create(apiPaths.departments, departmentManifest(d, { [TEST_LABEL]: ctl.shard }), 'test');
    }
  });
  afterAll(async () => {
    await ctl?.stop();
  });

  it('is Ready while both departments exist, and flips to Expired at expiry time', async () => {
    const expiresAt = new Date(Date.now() + 4000).toISOString().replace(/\.\d+Z$/, 'Z');
    await admin.create(apiPaths.grants, grantManifest('gr-expiring', 'gr-source', 'gr-target', expiresAt), 'test');
    const active = await waitForGrant('gr-expiring', (g) => condition(g, 'Ready')?.status === 'True');
    expect(condition(active, 'Ready')).toMatchObject({ reason: 'GrantActive', observedGeneration: 1 });
    const expired = await waitForGrant('gr-expiring', (g) => condition(g, 'Ready')?.reason === 'Expired');
    expect(condition(expired, 'Ready')?.status).toBe('False');
    // Not before expiresAt. The resync period is 10 minutes and the wait 20 s, so the flip came from the requeue the
    // reconciler asked for at expiresAt, not from a resync.
    const flippedAt = Date.parse(condition(expired, 'Ready')?.lastTransitionTime as string);
    expect(flippedAt).toBeGreaterThanOrEqual(Date.parse(expiresAt));
  });

  it('waits for a missing department and becomes Ready when it appears', async () => {
    await admin.create(apiPaths.grants, grantManifest('gr-missing', 'gr-source', 'gr-later'), 'test');
    const waiting = await waitForGrant('gr-missing', (g) => condition(g, 'Ready')?.reason === 'DepartmentNotFound');
    expect(condition(waiting, 'Ready')?.message).toContain('gr-later');
    await admin.create(apiPaths.departments, departmentManifest('gr-later', { [TEST_LABEL]: ctl.shard }), 'test');
    await waitForGrant('gr-missing', (g) => condition(g, 'Ready')?.status === 'True');
  });
});
