import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isNotFound } from '../../controller/runtime/kube-api.ts';
import { adminClient } from './admin-client.ts';
import { kubectlOk } from './kubectl.ts';
import { waitFor } from './wait.ts';

const kubeconfig = inject('kubeconfig');
const admin = () => adminClient(kubeconfig);

interface Pod {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** The test environment is a cluster, not only an API server: what the shipped install relies on happens. */
describe('the test cluster', () => {
  const namespace = `cluster-${randomUUID().slice(0, 6)}`;
  beforeAll(async () => {
    await kubectlOk(kubeconfig, ['create', 'namespace', namespace]);
  });
  afterAll(async () => {
    await kubectlOk(kubeconfig, ['delete', 'namespace', namespace, '--wait=false']);
  });

  it('gives a Deployment a ReplicaSet and scheduled, Running, Ready pods (kube-controller-manager, kube-scheduler, kwok)', async () => {
    await kubectlOk(kubeconfig, [
      '-n',
      namespace,
      'create',
      'deployment',
      'web',
      '--image=registry.example/web:1',
      '--replicas=2',
    ]);
    await kubectlOk(kubeconfig, ['-n', namespace, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    const pods = await admin().get<{ items: Pod[] }>(`/api/v1/namespaces/${namespace}/pods`);
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.spec.nodeName).toBe('kwok-node-0');
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    }
  });

  it('garbage-collects what an owner reference ties to a deleted owner', async () => {
    const owner = await admin().create<{ metadata: { uid: string } }>(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } },
      'test',
    );
    await admin().create(
      `/api/v1/namespaces/${namespace}/secrets`,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'owned',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
        },
        stringData: { a: 'b' },
      },
      'test',
    );
    await admin().delete(`/api/v1/namespaces/${namespace}/configmaps/owner`);
    await waitFor(
      () =>
        admin()
          .get(`/api/v1/namespaces/${namespace}/secrets/owned`)
          .then(
            () => false,
            (err) => {
              if (isNotFound(err)) return true;
              throw err;
            },
          ),
      { timeoutMs: 60_000, describe: () => 'the owned Secret outlived its owner' },
    );
  });
});
