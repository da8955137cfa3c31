import type { DepartmentObject, DepartmentStatus } from '../../crds/department.ts';
import type { KubeApi } from './kube-api.ts';
import type { Logger } from './logger.ts';

export type { DepartmentObject } from '../../crds/department.ts';
export type { KubeApi } from './kube-api.ts';
export type { Logger } from './logger.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

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

export interface EventRecorder {
  /** Records a Kubernetes Event on the Department (aggregated by reason). */
  event(type: 'Normal' | 'Warning', reason: string, note: string): Promise<void>;
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
 * The contract every component (namespace, database, runtime, workflows, oauth, ...) implements.
 * `apply` converges (and reports drift it repaired as an Event); `delete` cleans up honouring spec.deletionPolicy.
 * A thrown error is retried with the work queue's per-key backoff (the only backoff: components keep no retry
 * state of their own); a ComponentError names the condition's reason; a thrown TerminalError stalls the Department.
 */
export interface Component {
  name: string;
  /** Condition type this component owns, e.g. NamespaceReady, DatabaseReady. */
  conditionType: string;
  /** Names of components that must be Ready before this one applies. */
  dependsOn: string[];
  apply(ctx: ComponentContext): Promise<ComponentResult>;
  delete(ctx: ComponentContext): Promise<ComponentResult>;
  /**
   * Optional: reconcile requests from outside the API server (controller-runtime's channel source), e.g. a probe
   * that saw a deployed agent's health change. Started while this replica reconciles (the leader); the returned
   * function stops it.
   */
  watch?(enqueue: (department: string) => void): () => void;
}

/** A failure retrying may fix (an unreachable dependency): retried with backoff; `reason` becomes the condition's. */
export class ComponentError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ComponentError';
  }
}

/** An error retrying cannot fix (bad input, a missing prerequisite a human must provide). */
export class TerminalError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}
