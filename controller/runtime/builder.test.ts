import { describe, expect, it } from 'vitest';
import { controllerFor } from './builder.ts';
import type { KubeObject } from './kube-api.ts';
import type { Caches } from './registration.ts';

const LABEL = 'example.com/owner';
const object = (name: string, labels?: Record<string, string>): KubeObject => ({
  metadata: { name, uid: `uid-${name}`, resourceVersion: '1', labels },
});
const noCaches: Caches = {
  reader: () => {
    throw new Error('no cache');
  },
};

describe('controllerFor', () => {
  const registration = controllerFor('widget', '/apis/example.com/v1/widgets')
    .withEventFilter((obj, old) => obj.metadata.generation !== old.metadata.generation)
    .owns('/api/v1/secrets', { labelSelector: LABEL, ownerOf: (o) => o.metadata.labels?.[LABEL] })
    .watches('/api/v1/namespaces', ({ object: ns }) => [`from-${ns.metadata.name}`])
    .withRbac({ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['list', 'watch'] })
    .withRbac({ apiGroups: [''], resources: ['secrets', 'namespaces'], verbs: ['list', 'watch'] })
    .complete(() => ({ reconcile: async () => ({}) }));

  it('does map an owned object to the key its label names, and one without the label to nothing', () => {
    const [owned] = registration.watches;
    expect(owned?.labelSelector).toBe(LABEL);
    expect([...(owned?.map({ object: object('s', { [LABEL]: 'w1' }), deleted: false }, noCaches) ?? [])]).toEqual([
      'w1',
    ]);
    expect([...(owned?.map({ object: object('s'), deleted: true }, noCaches) ?? [])]).toEqual([]);
  });

  it('does leave the selector of a watched kind to WATCH_LABEL_SELECTOR', () => {
    const watched = registration.watches[1];
    expect(watched?.path).toBe('/api/v1/namespaces');
    expect(watched?.labelSelector).toBeUndefined();
    expect([...(watched?.map({ object: object('n'), deleted: false }, noCaches) ?? [])]).toEqual(['from-n']);
  });

  it('does keep every rule given, in order, beside the sources', () => {
    expect(registration.rbac.map((r) => r.resources)).toEqual([['widgets'], ['secrets', 'namespaces']]);
    expect(registration.forPath).toBe('/apis/example.com/v1/widgets');
    expect(registration.shard).toBeUndefined();
  });
});
