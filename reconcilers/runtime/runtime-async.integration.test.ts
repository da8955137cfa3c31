import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RuntimeTestbed, startRuntimeTestbed } from '../../e2e/support/runtime.ts';
import { startTestController, TEST_LABEL, type TestController } from '../../e2e/testenv/controller.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import type { DepartmentObject } from '../component.ts';
import { createRuntimeComponent, type RuntimeComponent } from './component.ts';
import { Reason, RUNTIME_READY } from './conditions.ts';

const GROUP = { group: 'federation.synrg.io', version: 'v1alpha1', plural: 'departments' };
const NAME = 'rt-async';
let bed: RuntimeTestbed;
let runtime: RuntimeComponent;
let controller: TestController;

beforeAll(async () => {
  bed = await startRuntimeTestbed(inject('kubeconfig'), inject('databaseUrl'));
  runtime = createRuntimeComponent(bed.config);
  // The testbed makes the namespace and the database Secret itself: the runtime runs alone here.
  runtime.dependsOn.length = 0;
  controller = await startTestController(inject('kubeconfig'), { components: [runtime] });
}, 120_000);
afterAll(async () => {
  await controller?.stop();
  await runtime?.drain(60_000);
  await bed?.stop();
});

const custom = () => bed.kubeConfig.makeApiClient(CustomObjectsApi);
const read = async () => (await custom().getClusterCustomObject({ ...GROUP, name: NAME })) as DepartmentObject;
const condition = (d: DepartmentObject, type: string) => d.status?.conditions?.find((c) => c.type === type);

async function until(check: (d: DepartmentObject) => boolean, what: string, timeoutMs = 120_000) {
  let last: DepartmentObject | undefined;
  await waitFor(
    async () => {
      last = await read();
      return check(last);
    },
    { timeoutMs, intervalMs: 100, describe: () => `${what}; status: ${JSON.stringify(last?.status)}` },
  );
  return last as DepartmentObject;
}

describe('runtime component as a tracked operation', () => {
  it('answers at once while Pulumi runs, and a spec change made meanwhile is acknowledged and then applied', {
    timeout: 300_000,
  }, async () => {
    // Every Railway call takes 1.5 s: the create runs for tens of seconds.
    bed.railway.faults.latencyMs = 1_500;
    try {
      await bed.department(NAME, {}, { [TEST_LABEL]: controller.shard });
      const first = await until(
        (d) => condition(d, RUNTIME_READY)?.reason === Reason.Provisioning,
        'RuntimeReady Provisioning from the first pass',
      );
      expect(condition(first, RUNTIME_READY)?.status).toBe('Unknown');
      expect(condition(first, 'Ready')?.status).toBe('False');
      expect(runtime.operations.get(NAME)?.done).toBe(false);

      // The controller writes the object too (its finalizer): a replace from a stale read is retried on 409.
      let current = await read();
      for (let attempt = 1; ; attempt++) {
        try {
          await custom().replaceClusterCustomObject({
            ...GROUP,
            name: NAME,
            body: {
              ...current,
              spec: {
                ...current.spec,
                displayName: 'Renamed',
                runtime: { image: 'registry.railway.app/aio-agent:9.9.9' },
              },
            },
          });
          break;
        } catch (err) {
          if ((err as { code?: number }).code !== 409 || attempt === 5) throw err;
          current = await read();
        }
      }
      const generation = (current.metadata.generation ?? 0) + 1;
      const acknowledged = await until(
        (d) =>
          d.status?.observedGeneration === generation &&
          /newer spec is applied when it ends/.test(condition(d, RUNTIME_READY)?.message ?? ''),
        'the new generation acknowledged by the runtime',
      );
      // Acknowledged while the first engine run is still in flight: the reconcile did not wait for it.
      expect(runtime.operations.get(NAME)?.done).toBe(false);
      expect(condition(acknowledged, RUNTIME_READY)?.observedGeneration).toBe(generation);
    } finally {
      bed.railway.faults.latencyMs = 0;
    }

    const ready = await until((d) => condition(d, RUNTIME_READY)?.status === 'True', 'RuntimeReady True', 240_000);
    expect(ready.status?.observedGeneration).toBe(ready.metadata.generation);
    const projects = [...bed.railway.state.projects.values()].filter((p) => p.name === `aio-${NAME}-prod`);
    expect(projects).toHaveLength(1);
    const services = bed.railway.state.servicesOf(projects[0]?.id ?? '');
    expect(services.map((s) => s.image)).toEqual(['registry.railway.app/aio-agent:9.9.9']);
  });
});
