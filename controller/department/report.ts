import type { DepartmentObject, DepartmentStatus, Phase } from '../../crds/department.ts';
import type { ConditionStatus } from '../runtime/conditions.ts';
import type { Outcome } from './component-graph.ts';

/** One component's result in a reconcile, as a recorder sees it (never a secret: conditions carry none). */
export interface ComponentReport {
  component: string;
  conditionType: string;
  status: ConditionStatus;
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

/** Something that records each reconcile elsewhere (e.g. the platform database's provisioning jobs). */
export type OnReconciled = (department: DepartmentObject, report: ReconcileReport) => Promise<void>;

export function componentReports(outcomes: Outcome[]): ComponentReport[] {
  return outcomes.map((o) => ({
    component: o.component.name,
    conditionType: o.component.conditionType,
    status: o.result.condition.status,
    reason: o.result.condition.reason,
    message: o.result.condition.message,
    terminal: o.terminal === true,
  }));
}
