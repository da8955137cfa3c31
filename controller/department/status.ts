import type { Condition } from '../../crds/common.ts';
import type { Phase } from '../../crds/department.ts';
import { ConditionType, orderConditions, setCondition } from '../runtime/conditions.ts';
import type { Outcome } from './component-graph.ts';
import { Reason } from './reasons.ts';

/** A status write happens only when the status changed (the runtime's change detection, shared with grants). */
export { canonical, statusEqual } from '../runtime/status-equal.ts';

/** After this many consecutive failed reconciles a Provisioning department is reported Failed. */
export const FAILURES_BEFORE_FAILED = 5;

export interface Summary {
  ready: boolean;
  stalled: Outcome | undefined;
  failed: Outcome[];
  progressing: boolean;
}

export function summarize(outcomes: Outcome[]): Summary {
  return {
    ready: outcomes.every((o) => o.result.condition.status === 'True'),
    stalled: outcomes.find((o) => o.terminal),
    failed: outcomes.filter((o) => o.error !== undefined || o.result.condition.status === 'False'),
    progressing: outcomes.some((o) => o.result.requeueAfterMs !== undefined || o.result.condition.status === 'Unknown'),
  };
}

/** The seed's state machine: Provisioning -> Active; Active -> Failed; Failed -> Provisioning on retry or spec change. */
export function nextPhase(
  previous: Phase | undefined,
  s: Summary,
  retried: boolean,
  consecutiveFailures: number,
): Phase {
  if (s.ready) return 'Active';
  if (s.stalled) return 'Failed';
  if (s.failed.length > 0) {
    if (previous === 'Failed' && retried) return 'Provisioning';
    if (previous === 'Active' || previous === 'Failed') return 'Failed';
    return consecutiveFailures + 1 >= FAILURES_BEFORE_FAILED ? 'Failed' : 'Provisioning';
  }
  return previous === 'Active' ? 'Active' : 'Provisioning';
}

/**
 * Ready / Reconciling / Stalled plus one condition per component, all at `generation`, listed in that order: the
 * components' in the order of `outcomes` (dependency order), each followed by its extra conditions.
 */
export function componentConditions(
  current: Condition[],
  outcomes: Outcome[],
  s: Summary,
  generation: number,
  now: Date,
): Condition[] {
  let conditions = current;
  for (const o of outcomes) {
    conditions = setCondition(conditions, { type: o.component.conditionType, ...o.result.condition }, generation, now);
    for (const extra of o.result.extraConditions ?? []) conditions = setCondition(conditions, extra, generation, now);
  }
  const firstFailure = s.stalled ?? s.failed[0];
  const ready = s.ready
    ? { status: 'True' as const, reason: Reason.Succeeded, message: 'all components are ready' }
    : firstFailure
      ? {
          status: 'False' as const,
          reason: Reason.ComponentFailed,
          message: `${firstFailure.component.conditionType}: ${firstFailure.result.condition.message}`,
        }
      : {
          status: 'False' as const,
          reason: Reason.ComponentsNotReady,
          message: `waiting for ${outcomes
            .filter((o) => o.result.condition.status !== 'True')
            .map((o) => o.component.conditionType)
            .join(', ')}`,
        };
  conditions = setCondition(conditions, { type: ConditionType.Ready, ...ready }, generation, now);
  conditions = setCondition(
    conditions,
    s.ready || s.stalled
      ? {
          type: ConditionType.Reconciling,
          status: 'False',
          reason: Reason.Succeeded,
          message: 'reconciliation finished',
        }
      : { type: ConditionType.Reconciling, status: 'True', reason: Reason.Progressing, message: ready.message },
    generation,
    now,
  );
  conditions = setCondition(
    conditions,
    s.stalled
      ? {
          type: ConditionType.Stalled,
          status: 'True',
          reason: s.stalled.result.condition.reason,
          message: `${s.stalled.component.conditionType}: ${s.stalled.result.condition.message}`,
        }
      : { type: ConditionType.Stalled, status: 'False', reason: Reason.Succeeded, message: 'not stalled' },
    generation,
    now,
  );
  const componentTypes = outcomes.flatMap((o) => [
    o.component.conditionType,
    ...(o.result.extraConditions ?? []).map((c) => c.type),
  ]);
  return orderConditions(conditions, componentTypes);
}
