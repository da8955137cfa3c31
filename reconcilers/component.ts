import type { KubeConfig } from '@kubernetes/client-node';
import type { DepartmentSpec, DepartmentStatus } from '../crds/department.ts';

/** A Department as the controller reads it from the API server (spec already defaulted by the server). */
export interface DepartmentObject {
  apiVersion: string;
  kind: 'Department';
  metadata: {
    name: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
  spec: DepartmentSpec;
  status?: DepartmentStatus;
}

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

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

/** The controller's counted Kubernetes REST client (optional: components may also use kubeConfig directly). */
export interface KubeApi {
  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T>;
  create<T>(path: string, body: unknown, fieldManager: string): Promise<T>;
  mergePatch<T>(path: string, body: unknown, fieldManager: string): Promise<T>;
  apply<T>(path: string, body: unknown, fieldManager: string): Promise<T>;
  delete<T>(path: string, body?: unknown): Promise<T>;
}

export interface ComponentContext {
  department: DepartmentObject;
  kube?: KubeApi;
  /** dept-<name>: the namespace holding the department's Secrets. */
  namespace: string;
  kubeConfig: KubeConfig;
  /** Outputs of the components this one depends on, by component name. */
  dependencies: Record<string, Record<string, unknown>>;
  events: EventRecorder;
  log: Logger;
  signal: AbortSignal;
}

/**
 * The contract every component (namespace, database, runtime, workflows, oauth, ...) implements.
 * `observe` only reads; `apply` converges; `delete` cleans up honouring spec.deletionPolicy.
 * A thrown error is retried with backoff; a thrown TerminalError stalls the Department.
 */
export interface Component {
  name: string;
  /** Condition type this component owns, e.g. NamespaceReady, DatabaseReady. */
  conditionType: string;
  /** Names of components that must be Ready before this one applies. */
  dependsOn: string[];
  observe?(ctx: ComponentContext): Promise<ComponentResult>;
  apply(ctx: ComponentContext): Promise<ComponentResult>;
  delete(ctx: ComponentContext): Promise<ComponentResult>;
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

export function namespaceFor(department: string): string {
  return `dept-${department}`;
}

export function tenantSchemaFor(department: string): string {
  return `${department.replaceAll('-', '_')}_tenant`;
}
