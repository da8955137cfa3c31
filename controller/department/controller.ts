import { apiPaths } from '../../crds/api-paths.ts';
import { GROUP } from '../../crds/common.ts';
import {
  DEPARTMENT_LABEL,
  departmentShard,
  FIELD_MANAGER,
  namespaceFor,
  pinnedShard,
  SHARD_LABEL,
} from '../../crds/names.ts';
import type { Component, DepartmentObject } from '../../reconcilers/component.ts';
import { controllerFor } from '../runtime/builder.ts';
import { type KubeObject, paths } from '../runtime/kube-api.ts';
import { specOrMetaChanged } from '../runtime/predicates.ts';
import type { Caches, ControllerRegistration, PolicyRule } from '../runtime/registration.ts';
import type { OwnedVersion } from './check-schedule.ts';
import { DepartmentReconciler } from './reconciler.ts';
import type { OnReconciled } from './report.ts';

export interface DepartmentControllerOptions {
  /** The components every Department is made of, applied in dependency order. */
  components: Component[];
  /** Told about every Department reconcile (see DepartmentReconcilerDeps.onReconciled). */
  onReconciled?: OnReconciled;
  /** Handed a reader of every cached Department's phase, for the wiring to export (read at scrape time). */
  exportPhases?: (phases: () => string[]) => void;
}

/** What the Department controller reads and writes itself; the components' own API calls are theirs. */
export const DEPARTMENT_RBAC: PolicyRule[] = [
  // Reconciled kind: read, add/remove the finalizer (patch), write status.
  { apiGroups: [GROUP], resources: ['departments'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: [GROUP], resources: ['departments/status'], verbs: ['patch'] },
  // Components give what they create a blockOwnerDeletion owner reference to the Department.
  { apiGroups: [GROUP], resources: ['departments/finalizers'], verbs: ['update'] },
  // Owned: each department's namespace and Secrets, watched by DEPARTMENT_LABEL.
  { apiGroups: [''], resources: ['namespaces', 'secrets'], verbs: ['list', 'watch'] },
];

/**
 * Departments, sharded by name (or SHARD_LABEL); their namespaces and Secrets, found by DEPARTMENT_LABEL,
 * reconcile their Department on any change, as do the components' own watches.
 */
export function departmentController(opts: DepartmentControllerOptions): ControllerRegistration<DepartmentObject> {
  const ownerOf = (obj: { metadata: { labels?: Record<string, string> } }) => obj.metadata.labels?.[DEPARTMENT_LABEL];
  return controllerFor<DepartmentObject>('department', apiPaths.departments)
    .withEventFilter(specOrMetaChanged)
    .owns(paths.namespaces, { labelSelector: DEPARTMENT_LABEL, ownerOf })
    .owns(paths.secrets, { labelSelector: DEPARTMENT_LABEL, ownerOf })
    .watchesChannel(...opts.components.flatMap((c) => (c.watch ? [c.watch.bind(c)] : [])))
    .shardedBy({
      of: (name, dept, shards) => departmentShard(name, shards, dept?.metadata.labels?.[SHARD_LABEL]),
      problem: (dept, shards) => {
        const label = dept.metadata.labels?.[SHARD_LABEL];
        if (label === undefined || pinnedShard(label, shards) !== undefined) return undefined;
        return `ignoring shard label ${JSON.stringify(label)}, not a shard of ${shards}; the name decides the shard`;
      },
    })
    .withRbac(...DEPARTMENT_RBAC)
    .complete((ctx) => {
      opts.exportPhases?.(() => ctx.cache.list().map((d) => d.status?.phase ?? 'Pending'));
      return new DepartmentReconciler({
        client: ctx.client,
        get: (name) => ctx.cache.get(name),
        components: opts.components,
        events: ctx.events,
        log: ctx.log,
        failures: ctx.failures,
        onReconciled: opts.onReconciled,
        resyncPeriodMs: ctx.resyncPeriodMs,
        owned: ownedVersions(ctx.caches),
      });
    });
}

/**
 * A Department's namespace and the Secrets labelled as its own, as the caches hold them: each one's version and
 * whether the controller wrote it last.
 */
function ownedVersions(caches: Caches): (name: string) => ReadonlyMap<string, OwnedVersion> {
  const namespaces = caches.reader<KubeObject>(paths.namespaces);
  const secrets = caches.reader<KubeObject>(paths.secrets);
  const version = (o: KubeObject): OwnedVersion => ({
    resourceVersion: o.metadata.resourceVersion,
    ours: writtenLastByUs(o),
  });
  return (name) => {
    const owned = new Map<string, OwnedVersion>();
    const namespace = namespaces.get(namespaceFor(name));
    if (namespace) owned.set(namespace.metadata.name, version(namespace));
    for (const s of secrets.list()) {
      if (s.metadata.labels?.[DEPARTMENT_LABEL] === name)
        owned.set(`${s.metadata.namespace}/${s.metadata.name}`, version(s));
    }
    return owned;
  };
}

/** The controller's field manager holds the latest managedFields entry, and no other manager one as recent. */
function writtenLastByUs(o: KubeObject): boolean {
  const entries = (o.metadata as { managedFields?: { manager?: string; time?: string }[] }).managedFields ?? [];
  const latest = entries.reduce((t, e) => (e.time && e.time > t ? e.time : t), '');
  const last = entries.filter((e) => (e.time ?? '') === latest);
  return last.length > 0 && last.every((e) => e.manager === FIELD_MANAGER);
}
