import type { Component, ComponentResult } from '../../reconcilers/component.ts';

interface Check {
  /** What the pass that made the check was for (see CheckSchedule.reuse). */
  basis: string;
  /** The outputs of the component's dependencies the check was made with. */
  inputs: string;
  result: ComponentResult;
  dueAt: number;
}

/**
 * Per-component check intervals. A component that declares `checkIntervalMs` and was found Ready is not checked
 * again by the passes other components need (a runtime still deploying, a probe's changed verdict, a resync)
 * until its own check is due: after its interval (at most `maxIntervalMs`, the resync period), or sooner when its
 * result asked to be run again. A change of what the pass is for (the Department's generation, metadata or owned
 * objects) or of its dependencies' outputs makes it be checked at once. A result that is not Ready is never reused.
 */
export class CheckSchedule {
  /** Department name → component name → its last check. */
  private readonly checks = new Map<string, Map<string, Check>>();

  constructor(
    private readonly maxIntervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The result `component` found at its last check when that still stands for a pass with this `basis` and these
   * `inputs`, asking to be run again when its next check is due; undefined: check it now.
   */
  reuse(department: string, component: Component, basis: string, inputs: string): ComponentResult | undefined {
    const check = this.checks.get(department)?.get(component.name);
    if (!check || check.basis !== basis || check.inputs !== inputs) return undefined;
    const left = check.dueAt - this.now();
    return left > 0 ? { ...check.result, requeueAfterMs: left } : undefined;
  }

  /**
   * Keeps what a check found (`result` undefined: it failed) and returns the result to report: a scheduled
   * component's asks to be run again when its next check is due.
   */
  record(
    department: string,
    component: Component,
    basis: string,
    inputs: string,
    result: ComponentResult | undefined,
  ): ComponentResult | undefined {
    const interval = component.checkIntervalMs;
    if (interval === undefined || !result || result.condition.status !== 'True') {
      this.checks.get(department)?.delete(component.name);
      return result;
    }
    const wait = Math.max(1, Math.min(interval, this.maxIntervalMs, result.requeueAfterMs ?? Number.POSITIVE_INFINITY));
    let components = this.checks.get(department);
    if (!components) {
      components = new Map();
      this.checks.set(department, components);
    }
    components.set(component.name, { basis, inputs, result, dueAt: this.now() + wait });
    return { ...result, requeueAfterMs: wait };
  }

  /** Forgets a Department's checks (it is being deleted or is gone). */
  forget(department: string): void {
    this.checks.delete(department);
  }
}
