// The contract every component in reconcilers/<name>/ implements and the Department reconciler
// (controller/department/) runs. The generic pieces it builds on (errors, conditions, events, the Kubernetes client)
// are the controller runtime's and are re-exported here, so a component imports its contract from one place.

import type { ConditionStatus } from '../controller/runtime/conditions.ts';
import type { EventRecorder } from '../controller/runtime/events.ts';
import type { KubeApi } from '../controller/runtime/kube-api.ts';
import type { Logger } from '../controller/runtime/logger.ts';
import type { DepartmentObject, DepartmentStatus } from '../crds/department.ts';

export type { ConditionStatus } from '../controller/runtime/conditions.ts';
export { ComponentError, TerminalError } from '../controller/runtime/errors.ts';
export type { EventRecorder } from '../controller/runtime/events.ts';
export type { KubeApi } from '../controller/runtime/kube-api.ts';
export type { Logger } from '../controller/runtime/logger.ts';
export type { DepartmentObject } from '../crds/department.ts';

/** What a component reports: one condition of its own (type is the component's conditionType). */
export interface ComponentCondition {
  status: ConditionStatus;
  /** CamelCase reason, e.g. Provisioned, DatabaseUnreachable. */
  reason: string;
  /** Something a user can act on; never a secret. */
  message: string;
}

export interface ComponentResult {
  condition: ComponentCondition;
  /** Further conditions this component owns besides its main one (e.g. IsolationVerified). */
  extraConditions?: (ComponentCondition & { type: string })[];
  /** Non-secret outputs merged into Department.status (e.g. tenantSchema, deploymentUrl). */
  status?: Partial<DepartmentStatus>;
  /** Values later components may read (e.g. the name of a Secret); never written to status. */
  outputs?: Record<string, unknown>;
  /** Ask to be run again after this many milliseconds even if nothing changes (e.g. a deployment in progress). */
  requeueAfterMs?: number;
}

/** What drift (a change made behind the controller's back) leads to: repaired, or only reported. */
export type DriftPolicy = 'Remediate' | 'Report';

/**
 * What a component's `observe` found, as Crossplane's ExternalObservation says it: whether the external
 * resources exist, whether they match the spec, and what was changed behind the controller's back.
 */
export interface Observation {
  /** The external resources exist; false: apply creates them. */
  exists: boolean;
  /**
   * Apply has nothing to do: they match the spec and show no drift (or a run under way is making them match).
   * `current` is the result.
   */
  upToDate: boolean;
  /** Changes made behind the controller's back, one line each, naming fields and never values. */
  drift?: string[];
  /**
   * The component's result as things stand, reported without apply. Required when `upToDate`, and when there is
   * drift a Report policy may leave alone.
   */
  current?: ComponentResult;
}

/** How the Department reconciler reports drift a component's `observe` found. */
export interface DriftReporting {
  /** What the drift is in, as Events name it: `<subject> differs: ...`, e.g. Railway. */
  subject: string;
  /** Condition type that says whether drift is outstanding, e.g. RuntimeDrifted; Events only when absent. */
  conditionType?: string;
  /** What this Department's spec asks drift to lead to; Remediate when absent. */
  policy?(department: DepartmentObject): DriftPolicy;
}

export interface ComponentContext {
  department: DepartmentObject;
  /** The controller's one counted Kubernetes client: every call a component makes goes through it. */
  kube: KubeApi;
  /** dept-<name>: the namespace holding the department's Secrets. */
  namespace: string;
  /** Outputs of the components this one depends on, by component name. */
  dependencies: Record<string, Record<string, unknown>>;
  events: EventRecorder;
  log: Logger;
  signal: AbortSignal;
}

/**
 * The contract every component (namespace, database, runtime, workflows, oauth, ...) implements, after
 * Crossplane's Observe/Create/Update/Delete. `observe` (optional) reads without changing anything; `apply`
 * converges (creates, updates, repairs; the repair's details are its own to report); `delete` cleans up honouring
 * spec.deletionPolicy. The Department reconciler alone decides from an observation whether apply runs: not when
 * up to date, not for drift the policy says to report only. A component without `observe` is applied every pass.
 * A thrown error is retried with the work queue's per-key backoff (the only backoff: components keep no retry
 * state of their own); a ComponentError names the condition's reason; a thrown TerminalError stalls the Department.
 */
export interface Component {
  name: string;
  /** Condition type this component owns, e.g. NamespaceReady, DatabaseReady. */
  conditionType: string;
  /** Names of components that must be Ready before this one applies. */
  dependsOn: string[];
  /**
   * Optional: reads the external resources without changing them. An `apply` that follows in the same pass gets
   * the same context object, so a component may keep what it read for it.
   */
  observe?(ctx: ComponentContext): Promise<Observation>;
  /** How drift `observe` finds is reported and which policy applies; Events under the component's name when absent. */
  drift?: DriftReporting;
  /**
   * Optional: how long a Ready result stands without being checked again (at most the controller's resync period).
   * Within it, a pass made for another component reuses this one's result, unless the Department's spec or
   * metadata, the objects it owns, or this component's dependencies' outputs changed; at its end the Department is
   * reconciled to check it. Absent: checked on every pass (a component driven by its own watch needs that).
   */
  checkIntervalMs?: number;
  apply(ctx: ComponentContext): Promise<ComponentResult>;
  delete(ctx: ComponentContext): Promise<ComponentResult>;
  /**
   * Optional: reconcile requests from outside the API server (controller-runtime's channel source), e.g. a probe
   * that saw a deployed agent's health change. Started while this replica reconciles (the leader); the returned
   * function stops it.
   */
  watch?(enqueue: (department: string) => void): () => void;
}
