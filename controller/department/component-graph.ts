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

/**
 * Converges every component (see converge.ts) once its dependencies are Ready; independent components run in
 * parallel, and a failing one holds back only what depends on it.
 */
export async function applyComponents(
  components: Component[],
  context: (dependencies: ComponentContext['dependencies']) => ComponentContext,
): Promise<Outcome[]> {
  const byName = new Map(components.map((c) => [c.name, c]));
  const runs = new Map<string, Promise<Outcome>>();
  const run = (c: Component): Promise<Outcome> => {
    let p = runs.get(c.name);
    if (!p) {
      p = (async () => {
        const deps = await Promise.all(c.dependsOn.map((d) => run(byName.get(d) as Component)));
        const blocked = deps.filter((d) => d.result.condition.status !== 'True');
        if (blocked.length > 0) {
          return {
            component: c,
            result: {
              condition: {
                status: 'Unknown',
                reason: Reason.DependencyNotReady,
                message: `waiting for ${blocked.map((b) => b.component.conditionType).join(', ')}`,
              },
            },
          };
        }
        const dependencies = Object.fromEntries(deps.map((d) => [d.component.name, d.result.outputs ?? {}]));
        try {
          return { component: c, result: await converge(c, context(dependencies)) };
        } catch (err) {
          return failure(c, err);
        }
      })();
      runs.set(c.name, p);
    }
    return p;
  };
  return Promise.all(components.map(run));
}

/** Deletes components in reverse dependency order: a component goes only after everything that depends on it. */
export async function deleteComponents(
  components: Component[],
  context: (dependencies: ComponentContext['dependencies']) => ComponentContext,
): Promise<Outcome[]> {
  const dependents = new Map<string, Component[]>(components.map((c) => [c.name, []]));
  for (const c of components) for (const d of c.dependsOn) dependents.get(d)?.push(c);
  const runs = new Map<string, Promise<Outcome>>();
  const run = (c: Component): Promise<Outcome> => {
    let p = runs.get(c.name);
    if (!p) {
      p = (async () => {
        const after = await Promise.all((dependents.get(c.name) ?? []).map(run));
        const blocked = after.filter((o) => !isDeleted(o));
        if (blocked.length > 0) {
          return {
            component: c,
            result: {
              condition: {
                status: 'Unknown',
                reason: Reason.DependencyNotReady,
                message: `waiting for ${blocked.map((b) => b.component.name).join(', ')} to be deleted first`,
              },
            },
          };
        }
        try {
          return { component: c, result: await c.delete(context({})) };
        } catch (err) {
          return failure(c, err);
        }
      })();
      runs.set(c.name, p);
    }
    return p;
  };
  return Promise.all(components.map(run));
}

/** A component's delete finished: it did not fail and asked for no further wait. */
export function isDeleted(o: Outcome): boolean {
  return o.error === undefined && o.result.requeueAfterMs === undefined && o.result.condition.status !== 'Unknown';
}
