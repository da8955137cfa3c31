import {
  type Component,
  type ComponentContext,
  ComponentError,
  type ComponentResult,
  TerminalError,
} from '../../reconcilers/component.ts';
import { redactSecrets } from '../runtime/redact.ts';
import { converge } from './converge.ts';
import { Reason } from './reasons.ts';

export interface Outcome {
  component: Component;
  result: ComponentResult;
  /** The component threw: retry with backoff (or stall, for a TerminalError). */
  error?: unknown;
  terminal?: boolean;
}

/** Components ordered so that each comes after what it depends on; refuses unknown deps and cycles. */
export function sortComponents(components: Component[]): Component[] {
  const byName = new Map(components.map((c) => [c.name, c]));
  const sorted: Component[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: Component, path: string[]) => {
    if (state.get(c.name) === 'done') return;
    if (state.get(c.name) === 'visiting')
      throw new Error(`component dependency cycle: ${[...path, c.name].join(' -> ')}`);
    state.set(c.name, 'visiting');
    for (const dep of c.dependsOn) {
      const d = byName.get(dep);
      if (!d) throw new Error(`component ${c.name} depends on unknown component ${dep}`);
      visit(d, [...path, c.name]);
    }
    state.set(c.name, 'done');
    sorted.push(c);
  };
  for (const c of components) visit(c, []);
  return sorted;
}

function reasonOf(err: unknown): string {
  return err instanceof TerminalError || err instanceof ComponentError ? err.reason : 'ApplyFailed';
}

function failure(component: Component, err: unknown): Outcome {
  const terminal = err instanceof TerminalError;
  const message = redactSecrets(err instanceof Error ? err.message : String(err));
  return {
    component,
    error: err,
    terminal,
    result: {
      condition: { status: 'False', reason: reasonOf(err), message },
    },
  };
}

/** Which components a pass checks (see CheckSchedule), for one Department's pass. */
export interface PassChecks {
  /** The result a component found at a check that still stands, given its dependencies' outputs (`inputs`). */
  reuse(component: Component, inputs: string): ComponentResult | undefined;
  /** Keeps what a check found (undefined: it failed); returns the result to report. */
  record(component: Component, inputs: string, result: ComponentResult | undefined): ComponentResult | undefined;
}

/** Every component is checked on every pass. */
const CHECK_ALL: PassChecks = { reuse: () => undefined, record: (_c, _i, result) => result };

/**
 * Converges every component (see converge.ts) once its dependencies are Ready, unless `checks` says its last
 * check still stands; independent components run in parallel, and a failing one holds back only what depends on it.
 */
export async function applyComponents(
  components: Component[],
  context: (dependencies: ComponentContext['dependencies']) => ComponentContext,
  checks: PassChecks = CHECK_ALL,
): Promise<Outcome[]> {
  const byName = new Map(components.map((c) => [c.name, c]));
  return walk(
    components,
    (c) => c.dependsOn.map((d) => byName.get(d) as Component),
    async (c, deps) => {
      const blocked = deps.filter((d) => d.result.condition.status !== 'True');
      if (blocked.length > 0)
        return waiting(c, `waiting for ${blocked.map((b) => b.component.conditionType).join(', ')}`);
      const dependencies = Object.fromEntries(deps.map((d) => [d.component.name, d.result.outputs ?? {}]));
      const inputs = JSON.stringify(dependencies);
      const standing = checks.reuse(c, inputs);
      if (standing) return { component: c, result: standing };
      const outcome = await attempt(c, () => converge(c, context(dependencies)));
      const recorded = checks.record(c, inputs, outcome.error === undefined ? outcome.result : undefined);
      return recorded ? { ...outcome, result: recorded } : outcome;
    },
  );
}

/** Deletes components in reverse dependency order: a component goes only after everything that depends on it. */
export async function deleteComponents(
  components: Component[],
  context: (dependencies: ComponentContext['dependencies']) => ComponentContext,
): Promise<Outcome[]> {
  const dependents = new Map<string, Component[]>(components.map((c) => [c.name, []]));
  for (const c of components) for (const d of c.dependsOn) dependents.get(d)?.push(c);
  return walk(
    components,
    (c) => dependents.get(c.name) ?? [],
    (c, after) => {
      const blocked = after.filter((o) => !isDeleted(o));
      if (blocked.length > 0) {
        return waiting(c, `waiting for ${blocked.map((b) => b.component.name).join(', ')} to be deleted first`);
      }
      return attempt(c, () => c.delete(context({})));
    },
  );
}

/** Runs `step` once per component, after the outcomes of the components `first` names: in parallel where it can. */
function walk(
  components: Component[],
  first: (c: Component) => Component[],
  step: (c: Component, prior: Outcome[]) => Outcome | Promise<Outcome>,
): Promise<Outcome[]> {
  const runs = new Map<string, Promise<Outcome>>();
  const run = (c: Component): Promise<Outcome> => {
    let p = runs.get(c.name);
    if (!p) {
      p = Promise.all(first(c).map(run)).then((prior) => step(c, prior));
      runs.set(c.name, p);
    }
    return p;
  };
  return Promise.all(components.map(run));
}

function waiting(c: Component, message: string): Outcome {
  return { component: c, result: { condition: { status: 'Unknown', reason: Reason.DependencyNotReady, message } } };
}

async function attempt(c: Component, action: () => Promise<ComponentResult>): Promise<Outcome> {
  try {
    return { component: c, result: await action() };
  } catch (err) {
    return failure(c, err);
  }
}

/** A component's delete finished: it did not fail and asked for no further wait. */
export function isDeleted(o: Outcome): boolean {
  return o.error === undefined && o.result.requeueAfterMs === undefined && o.result.condition.status !== 'Unknown';
}
