import type { Component, ComponentContext, ComponentResult, DriftPolicy } from '../../reconcilers/component.ts';
import { Reason } from './reasons.ts';

const EVENT_NOTE_LIMIT = 1000;

/** The drift policy a component's drift falls under for this Department: Remediate unless it says otherwise. */
export function driftPolicy(component: Component, ctx: ComponentContext): DriftPolicy {
  return component.drift?.policy?.(ctx.department) ?? 'Remediate';
}

/** `result` with the component's drift condition set (replacing one it reported itself). */
function withDriftCondition(
  component: Component,
  result: ComponentResult,
  status: 'True' | 'False',
  message: string,
): ComponentResult {
  const type = component.drift?.conditionType;
  if (type === undefined) return result;
  const others = (result.extraConditions ?? []).filter((c) => c.type !== type);
  return { ...result, extraConditions: [...others, { type, status, reason: Reason.DriftDetected, message }] };
}

/**
 * One component's turn in a reconcile, after Crossplane's managed reconciler: observe, then apply only if there
 * is something to do. The one place drift is decided: up to date, nothing runs; drift under Report is reported
 * (a Warning Event and the component's drift condition True) and left alone; drift under Remediate is announced
 * and applied, the component's apply reporting what it repaired. A component without `observe` is applied.
 */
export async function converge(component: Component, ctx: ComponentContext): Promise<ComponentResult> {
  if (!component.observe) return component.apply(ctx);
  const seen = await component.observe(ctx);
  const drift = seen.drift ?? [];
  if (drift.length === 0) {
    return seen.exists && seen.upToDate && seen.current ? seen.current : component.apply(ctx);
  }
  const subject = component.drift?.subject ?? component.name;
  const summary = drift.join('; ');
  if (driftPolicy(component, ctx) === 'Report') {
    if (!seen.current) throw new Error(`component ${component.name} observed drift without a current result`);
    await ctx.events.event(
      'Warning',
      Reason.DriftDetected,
      `${subject} differs: ${summary}`.slice(0, EVENT_NOTE_LIMIT),
    );
    return withDriftCondition(component, seen.current, 'True', summary);
  }
  await ctx.events.event(
    'Warning',
    Reason.DriftDetected,
    `${subject} differs, repairing: ${summary}`.slice(0, EVENT_NOTE_LIMIT),
  );
  const result = await component.apply(ctx);
  const reported = result.extraConditions?.some((c) => c.type === component.drift?.conditionType);
  return reported ? result : withDriftCondition(component, result, 'False', `repairing: ${summary}`);
}
