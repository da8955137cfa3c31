import type { ComponentReport } from '../../crds/reconcile-report.ts';
import type { Outcome } from './component-graph.ts';

export type { ComponentReport, OnReconciled, ReconcileReport } from '../../crds/reconcile-report.ts';

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
