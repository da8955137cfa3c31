import type { Component, ComponentResult } from '../../reconcilers/component.ts';

/** One object a Department owns, as the cache holds it. */
export interface OwnedVersion {
  resourceVersion: string;
  /** The controller wrote it last (its field manager holds the latest managedFields entry, alone). */
  ours: boolean;
}

/** What a pass is for: a check made for one basis stands for a later one only as `stands` says. */
export interface PassBasis {
  /** The Department's uid, generation, labels and annotations. */
  department: string;
  /** Its namespace and Secrets, by namespace/name. */
  owned: ReadonlyMap<string, OwnedVersion>;
}

/**
 * A check made for `then` stands `now` when the Department is the same and its owned objects are too, but for
 * what the controller wrote itself since (a Secret a check created or renewed): a deletion or anyone else's
 * write has every component checked again.
 */
export function stands(then: PassBasis, now: PassBasis): boolean {
  if (then.department !== now.department) return false;
  for (const key of then.owned.keys()) if (!now.owned.has(key)) return false;
  for (const [key, version] of now.owned) {
    if (then.owned.get(key)?.resourceVersion !== version.resourceVersion && !version.ours) return false;
  }
  return true;
}

/**
 * A check due this soon is made now: the components a pass checked fall due within a moment of each other, and
 * one pass then checks them all rather than one pass each.
 */
const DUE_TOGETHER_MS = 1000;

interface Check {
  /** What the pass that made the check was for. */
  basis: PassBasis;
  /** The outputs of the component's dependencies the check was made with. */
  inputs: string;
  result: ComponentResult;
  dueAt: number;
}

/**
 * Per-component check intervals. A component that declares `checkIntervalMs` and was found Ready is not checked
 * again by the passes other components need (a runtime still deploying, a probe's changed verdict, a resync)
 * until its own check is due: after its interval (at most `maxIntervalMs`, the resync period), or sooner when its
 * result asked to be run again. A change of what the pass is for (the Department's generation or metadata, an owned
 * object deleted or written by anyone but the controller; see `stands`) or of its dependencies' outputs makes it be
 * checked at once. A result that is not Ready is never reused.
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
  reuse(department: string, component: Component, basis: PassBasis, inputs: string): ComponentResult | undefined {
    const check = this.checks.get(department)?.get(component.name);
    if (!check || check.inputs !== inputs || !stands(check.basis, basis)) return undefined;
    const left = check.dueAt - this.now();
    return left > DUE_TOGETHER_MS ? { ...check.result, requeueAfterMs: left } : undefined;
  }

  /**
   * Keeps what a check found (`result` undefined: it failed) and returns the result to report: a scheduled
   * component's asks to be run again when its next check is due.
   */
  record(
    department: string,
    component: Component,
    basis: PassBasis,
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
