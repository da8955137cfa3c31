import { apiPaths } from '../../crds/api-paths.ts';
import { API_VERSION } from '../../crds/common.ts';
import type { CrossDepartmentGrantSpec, CrossDepartmentGrantStatus } from '../../crds/cross-department-grant.ts';
import { FIELD_MANAGER, FINALIZER } from '../../crds/names.ts';
import { ConditionType, setCondition } from '../runtime/conditions.ts';
import type { EventSink } from '../runtime/events.ts';
import type { KubeApi } from '../runtime/kube-api.ts';
import type { ReconcileResult } from '../runtime/reconcile-result.ts';
import { statusEqual } from '../runtime/status-equal.ts';

/** Reasons of a grant's Ready condition. */
const Reason = {
  Suspended: 'Suspended',
  Expired: 'Expired',
  DepartmentNotFound: 'DepartmentNotFound',
  GrantActive: 'GrantActive',
} as const;

export interface GrantObject {
  metadata: {
    name: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  spec: CrossDepartmentGrantSpec;
  status?: CrossDepartmentGrantStatus;
}

/** Mirrors a grant into a system that enforces it (e.g. the Postgres permissions table). */
export interface GrantSyncer {
  name: string;
  /** `active` is false while the grant is expired or a department is missing: the grant must not apply. */
  apply(grant: GrantObject, active: boolean): Promise<void>;
  delete(grant: GrantObject): Promise<void>;
}

export interface GrantReconcilerDeps {
  client: KubeApi;
  get(name: string): GrantObject | undefined;
  departmentExists(name: string): boolean;
  syncers: GrantSyncer[];
  events: EventSink;
  now?: () => number;
}

/**
 * A grant is Ready while both departments exist, it is not suspended and it has not expired; it flips to
 * Expired on time.
 */
export class GrantReconciler {
  constructor(private readonly deps: GrantReconcilerDeps) {}

  async reconcile(name: string): Promise<ReconcileResult> {
    let grant = this.deps.get(name);
    if (!grant) return {};
    const { client, syncers } = this.deps;
    if (grant.metadata.deletionTimestamp) {
      if (!grant.metadata.finalizers?.includes(FINALIZER)) return {};
      for (const s of syncers) await s.delete(grant);
      await client.mergePatch(
        apiPaths.grant(name),
        {
          metadata: {
            finalizers: grant.metadata.finalizers.filter((f) => f !== FINALIZER),
            resourceVersion: grant.metadata.resourceVersion,
          },
        },
        FIELD_MANAGER,
      );
      return {};
    }
    if (syncers.length > 0 && !grant.metadata.finalizers?.includes(FINALIZER)) {
      grant = await client.mergePatch<GrantObject>(
        apiPaths.grant(name),
        {
          metadata: {
            finalizers: [...(grant.metadata.finalizers ?? []), FINALIZER],
            resourceVersion: grant.metadata.resourceVersion,
          },
        },
        FIELD_MANAGER,
      );
    }
    const now = this.deps.now?.() ?? Date.now();
    const expiresAt = grant.spec.expiresAt ? Date.parse(grant.spec.expiresAt) : undefined;
    const missing = [grant.spec.sourceDepartment, grant.spec.targetDepartment].filter(
      (d) => !this.deps.departmentExists(d),
    );
    const ready = grant.spec.suspend
      ? {
          status: 'False' as const,
          reason: Reason.Suspended,
          message: 'spec.suspend is true: the grant does not apply',
        }
      : expiresAt !== undefined && expiresAt <= now
        ? { status: 'False' as const, reason: Reason.Expired, message: `grant expired at ${grant.spec.expiresAt}` }
        : missing.length > 0
          ? {
              status: 'False' as const,
              reason: Reason.DepartmentNotFound,
              message: `department ${missing.join(' and ')} does not exist`,
            }
          : {
              status: 'True' as const,
              reason: Reason.GrantActive,
              message: `${grant.spec.sourceDepartment} may query ${grant.spec.targetDepartment}`,
            };
    for (const s of syncers) await s.apply(grant, ready.status === 'True');

    const previous = grant.status ?? {};
    const status: CrossDepartmentGrantStatus = {
      observedGeneration: grant.metadata.generation,
      conditions: setCondition(
        previous.conditions ?? [],
        { type: ConditionType.Ready, ...ready },
        grant.metadata.generation,
      ),
    };
    if (!statusEqual(previous, status)) {
      await client.apply(
        apiPaths.grantStatus(name),
        { apiVersion: API_VERSION, kind: 'CrossDepartmentGrant', metadata: { name }, status },
        FIELD_MANAGER,
      );
      const wasReady = previous.conditions?.find((c) => c.type === ConditionType.Ready);
      if (wasReady?.reason !== ready.reason) {
        await this.deps.events
          .recorderFor({ apiVersion: API_VERSION, kind: 'CrossDepartmentGrant', name, uid: grant.metadata.uid })
          .event(ready.status === 'True' ? 'Normal' : 'Warning', ready.reason, ready.message);
      }
    }
    return expiresAt !== undefined && expiresAt > now ? { requeueAfterMs: expiresAt - now + 10 } : {};
  }
}
