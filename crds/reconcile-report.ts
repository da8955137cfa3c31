import type { Condition } from './common.ts';
import type { DepartmentObject, DepartmentStatus, Phase } from './department.ts';

// What the Department controller hands a recorder after each reconcile (the platform database's provisioning jobs
// record it). Declared here, below both, because the controller and the recorder may not import each other.

/** One component's result in a reconcile, as a recorder sees it (never a secret: conditions carry none). */
export interface ComponentReport {
  component: string;
  conditionType: string;
  status: Condition['status'];
  reason: string;
  message: string;
  /** The component stalled (TerminalError): no retry until the spec changes. */
  terminal: boolean;
}

/** What one reconcile of a Department found, handed to `onReconciled` after status was written. */
export interface ReconcileReport {
  phase: Phase;
  /** The Department is being deleted (its components are being deleted). */
  deleting: boolean;
  /** A new generation (or a manual retry) just started: the components have not run yet. */
  starting: boolean;
  components: ComponentReport[];
  status: DepartmentStatus;
}

/** Something that records each reconcile elsewhere. */
export type OnReconciled = (department: DepartmentObject, report: ReconcileReport) => Promise<void>;
