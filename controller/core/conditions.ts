import type { Condition } from '../../crds/common.ts';
import type { ConditionStatus } from './component.ts';

/** Condition types and reasons the controller core owns (components bring their own). */
export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
} as const;

export const Reason = {
  Succeeded: 'Succeeded',
  Progressing: 'Progressing',
  ComponentsNotReady: 'ComponentsNotReady',
  ComponentFailed: 'ComponentFailed',
  DependencyNotReady: 'DependencyNotReady',
  Suspended: 'Suspended',
  Deprovisioning: 'Deprovisioning',
  DeleteFailed: 'DeleteFailed',
  ReconcileError: 'ReconcileError',
  Expired: 'Expired',
  DepartmentNotFound: 'DepartmentNotFound',
  GrantActive: 'GrantActive',
} as const;

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * Returns `conditions` with `input` set: lastTransitionTime moves only when the status changes,
 * and every condition carries the generation it was computed from.
 */
export function setCondition(
  conditions: Condition[],
  input: ConditionInput,
  generation: number,
  now: Date = new Date(),
): Condition[] {
  const existing = conditions.find((c) => c.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    observedGeneration: generation,
    lastTransitionTime:
      existing && existing.status === input.status
        ? existing.lastTransitionTime
        : now.toISOString().replace(/\.\d+Z$/, 'Z'),
    reason: input.reason,
    message: input.message.slice(0, 32768),
  };
  const others = conditions.filter((c) => c.type !== input.type);
  return [...others, next].sort((a, b) => order(a.type) - order(b.type) || a.type.localeCompare(b.type));
}

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Ready, Reconciling and Stalled first, then component conditions alphabetically. */
function order(type: string): number {
  const i = [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled].indexOf(type as 'Ready');
  return i === -1 ? 3 : i;
}
