import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../../crds/common.ts';
import { departmentSpec } from '../../crds/department.ts';
import { FINALIZER } from '../../crds/names.ts';
import type { Component, DepartmentObject } from '../../reconcilers/component.ts';
import { EventSink } from '../runtime/events.ts';
import type { KubeApi } from '../runtime/kube-api.ts';
import { silentLogger } from '../runtime/logger.ts';
import { DepartmentReconciler } from './reconciler.ts';

function deleting(uid: string): DepartmentObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Department',
    metadata: {
      name: 'hr',
      uid,
      generation: 1,
      resourceVersion: '7',
      finalizers: [FINALIZER],
      deletionTimestamp: '2026-12-02T10:00:00Z',
    },
    spec: departmentSpec.parse({
      displayName: 'HR',
      adminEmail: 'a@example.com',
      enabledTools: [],
      llm: {},
      stt: { provider: 'deepgram' },
    }),
  };
}

/** An API server that answers every write; the informer cache is whatever `cached` holds. */
function harness() {
  const state: { cached: DepartmentObject | undefined; deletes: number; finalizerPatches: number } = {
    cached: undefined,
    deletes: 0,
    finalizerPatches: 0,
  };
  const client = {
    async apply(_path: string, body: { status: unknown }) {
      return { ...state.cached, status: body.status };
    },
    async mergePatch(path: string) {
      if (path.startsWith(`/apis/${API_VERSION}/departments/`)) state.finalizerPatches++;
      return {};
    },
    async create(_path: string, body: unknown) {
      return body;
    },
  } as unknown as KubeApi;
  const component: Component = {
    name: 'runtime',
    conditionType: 'RuntimeReady',
    dependsOn: [],
    async apply() {
      return { condition: { status: 'True', reason: 'Provisioned', message: 'fine' } };
    },
    async delete() {
      state.deletes++;
      return { condition: { status: 'False', reason: 'Deleted', message: 'gone' } };
    },
  };
  const reconciler = new DepartmentReconciler({
    client,
    get: () => state.cached,
    components: [component],
    events: new EventSink(client, 'test', silentLogger),
    log: silentLogger,
    failures: () => 0,
    resyncPeriodMs: 600_000,
  });
  return { state, reconcile: () => reconciler.reconcile('hr', new AbortController().signal) };
}

describe('DepartmentReconciler finalize', () => {
  it('does not delete the components again when a queued pass sees the cached copy from before the release', async () => {
    const { state, reconcile } = harness();
    state.cached = deleting('uid-1');
    await reconcile();
    expect(state).toMatchObject({ deletes: 1, finalizerPatches: 1 });

    // The DELETED event has not reached the informer yet: the cache still holds the finalizer.
    await reconcile();
    expect(state).toMatchObject({ deletes: 1, finalizerPatches: 1 });
  });

  it('deletes a new Department of the same name (a new uid) again', async () => {
    const { state, reconcile } = harness();
    state.cached = deleting('uid-1');
    await reconcile();
    state.cached = undefined;
    await reconcile();
    state.cached = deleting('uid-2');
    await reconcile();
    expect(state).toMatchObject({ deletes: 2, finalizerPatches: 2 });
  });
});
