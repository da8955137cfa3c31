import type { Condition } from '../../crds/common.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** kstatus's condition types, which every reconciled kind here carries (its reasons are the kind's own). */
export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
} as const;

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * Returns `conditions` with `input` set: lastTransitionTime moves only when the status changes,
 * and every condition carries the generation it was computed from. Ready, Reconciling and Stalled come first; the
 * others keep their places, a new type going last.
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
  const at = conditions.findIndex((c) => c.type === input.type);
  const written = at === -1 ? [...conditions, next] : conditions.map((c, i) => (i === at ? next : c));
  return written.sort((a, b) => order(a.type) - order(b.type));
}

/**
 * Returns `conditions` in the order a reader follows (`kubectl describe` shows them as listed): Ready, Reconciling
 * and Stalled, then the types in `typesInOrder` (the components' in dependency order), then any others
 * alphabetically.
 */
export function orderConditions(conditions: Condition[], typesInOrder: string[]): Condition[] {
  const rank = (type: string) => {
    const core = order(type);
    if (core < CORE_TYPES.length) return core;
    const i = typesInOrder.indexOf(type);
    return i === -1 ? CORE_TYPES.length + typesInOrder.length : CORE_TYPES.length + i;
  };
  return [...conditions].sort((a, b) => rank(a.type) - rank(b.type) || a.type.localeCompare(b.type));
}

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

const CORE_TYPES: readonly string[] = [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled];

/** Ready, Reconciling and Stalled first; every other type after them. */
function order(type: string): number {
  const i = CORE_TYPES.indexOf(type);
  return i === -1 ? CORE_TYPES.length : i;
}
