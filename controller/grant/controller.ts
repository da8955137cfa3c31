import { apiPaths } from '../../crds/api-paths.ts';
import { GROUP } from '../../crds/common.ts';
import type { DepartmentObject } from '../../crds/department.ts';
import { controllerFor } from '../runtime/builder.ts';
import { specOrMetaChanged } from '../runtime/predicates.ts';
import type { ControllerRegistration, MapFunc, PolicyRule } from '../runtime/registration.ts';
import { type GrantObject, GrantReconciler, type GrantSyncer } from './reconciler.ts';

export interface GrantControllerOptions {
  /** The systems that enforce grants (e.g. the Postgres permissions table). */
  syncers: GrantSyncer[];
}

/** What the grant controller reads and writes. */
export const GRANT_RBAC: PolicyRule[] = [
  { apiGroups: [GROUP], resources: ['crossdepartmentgrants'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: [GROUP], resources: ['crossdepartmentgrants/status'], verbs: ['patch'] },
  // Whether both departments exist.
  { apiGroups: [GROUP], resources: ['departments'], verbs: ['list', 'watch'] },
];

/** A Department that appears, starts being deleted or goes reconciles the grants naming it. */
const grantsNaming: MapFunc<DepartmentObject> = ({ object, old, deleted }, caches) => {
  if (!deleted && old && old.metadata.deletionTimestamp === object.metadata.deletionTimestamp) return [];
  const dept = object.metadata.name;
  return caches
    .reader<GrantObject>(apiPaths.grants)
    .list()
    .filter((g) => g.spec.sourceDepartment === dept || g.spec.targetDepartment === dept)
    .map((g) => g.metadata.name);
};

/** CrossDepartmentGrants: cluster-wide work, run by the replica holding the global Lease. */
export function grantController(opts: GrantControllerOptions): ControllerRegistration<GrantObject> {
  return controllerFor<GrantObject>('crossdepartmentgrant', apiPaths.grants)
    .withEventFilter(specOrMetaChanged)
    .watches(apiPaths.departments, grantsNaming)
    .withRbac(...GRANT_RBAC)
    .complete((ctx) => {
      const departments = ctx.caches.reader<DepartmentObject>(apiPaths.departments);
      return new GrantReconciler({
        client: ctx.client,
        get: (name) => ctx.cache.get(name),
        departmentExists: (name) => {
          const d = departments.get(name);
          return d !== undefined && !d.metadata.deletionTimestamp;
        },
        syncers: opts.syncers,
        events: ctx.events,
      });
    });
}
