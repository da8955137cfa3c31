import type { KubeObject } from './kube-api.ts';

/**
 * Whether an update is more than a status write (the controller's own): a new generation, a deletion, or a
 * change of labels, annotations or finalizers. controller-runtime's GenerationChanged, Labels and Annotations
 * predicates in one.
 */
export function specOrMetaChanged(object: KubeObject, old: KubeObject): boolean {
  const m1 = old.metadata;
  const m2 = object.metadata;
  return (
    m1.generation !== m2.generation ||
    m1.deletionTimestamp !== m2.deletionTimestamp ||
    JSON.stringify(m1.annotations ?? {}) !== JSON.stringify(m2.annotations ?? {}) ||
    JSON.stringify(m1.labels ?? {}) !== JSON.stringify(m2.labels ?? {}) ||
    JSON.stringify(m1.finalizers ?? []) !== JSON.stringify(m2.finalizers ?? [])
  );
}
