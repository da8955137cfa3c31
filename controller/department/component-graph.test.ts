import { describe, expect, it } from 'vitest';
import { type Component, type ComponentContext, TerminalError } from '../../reconcilers/component.ts';
import { applyComponents, deleteComponents, sortComponents } from './component-graph.ts';

function component(name: string, dependsOn: string[], log: string[], fail?: Error): Component {
  return {
    name,
    conditionType: `${name}Ready`,
    dependsOn,
    async apply(ctx) {
      log.push(`apply ${name} deps=${Object.keys(ctx.dependencies).join(',')}`);
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw fail;
      return { condition: { status: 'True', reason: 'Ok', message: '' }, outputs: { from: name } };
    },
    async delete() {
      log.push(`delete ${name}`);
      if (fail) throw fail;
      return { condition: { status: 'False', reason: 'Deleted', message: '' } };
    },
  };
}

const ctx = (dependencies: ComponentContext['dependencies']) => ({ dependencies }) as ComponentContext;

describe('component graph', () => {
  it('sorts by dependency and refuses cycles and unknown dependencies', () => {
    const log: string[] = [];
    const sorted = sortComponents([component('b', ['a'], log), component('a', [], log)]);
    expect(sorted.map((c) => c.name)).toEqual(['a', 'b']);
    expect(() => sortComponents([component('a', ['b'], log), component('b', ['a'], log)])).toThrow(/cycle/);
    expect(() => sortComponents([component('a', ['nope'], log)])).toThrow(/unknown component nope/);
  });

  it('runs independent components in parallel and passes dependency outputs', async () => {
    const log: string[] = [];
    const comps = sortComponents([
      component('ns', [], log),
      component('db', ['ns'], log),
      component('n8n', ['ns'], log),
    ]);
    const outcomes = await applyComponents(comps, ctx);
    expect(outcomes.every((o) => o.result.condition.status === 'True')).toBe(true);
    expect(log[0]).toBe('apply ns deps=');
    expect(log.slice(1).sort()).toEqual(['apply db deps=ns', 'apply n8n deps=ns']);
  });

  it('holds back only what depends on a failing component', async () => {
    const log: string[] = [];
    const comps = sortComponents([
      component('ns', [], log),
      component('db', ['ns'], log, new TerminalError('BadInput', 'no')),
      component('runtime', ['db'], log),
      component('oauth', ['ns'], log),
    ]);
    const byName = Object.fromEntries((await applyComponents(comps, ctx)).map((o) => [o.component.name, o]));
    expect(byName.db?.terminal).toBe(true);
    expect(byName.db?.result.condition).toMatchObject({ status: 'False', reason: 'BadInput' });
    expect(byName.runtime?.result.condition).toMatchObject({ status: 'Unknown', reason: 'DependencyNotReady' });
    expect(byName.oauth?.result.condition.status).toBe('True');
    expect(log).not.toContain('apply runtime deps=db');
  });

  it('deletes in reverse dependency order and keeps what a failed delete depends on', async () => {
    const log: string[] = [];
    const comps = sortComponents([
      component('ns', [], log),
      component('db', ['ns'], log),
      component('runtime', ['db'], log),
    ]);
    await deleteComponents(comps, ctx);
    expect(log).toEqual(['delete runtime', 'delete db', 'delete ns']);

    const log2: string[] = [];
    const failing = sortComponents([component('ns', [], log2), component('db', ['ns'], log2, new Error('busy'))]);
    const outcomes = await deleteComponents(failing, ctx);
    expect(log2).toEqual(['delete db']);
    expect(outcomes.find((o) => o.component.name === 'ns')?.result.condition.reason).toBe('DependencyNotReady');
  });

  it('redacts credentials from error messages', async () => {
    const log: string[] = [];
    const comps = [
      component('db', [], log, new Error('connect postgres://hr_role:s3cr3t@db:5432/x failed; password=hunter2')),
    ];
    const [outcome] = await applyComponents(comps, ctx);
    expect(outcome?.result.condition.message).not.toMatch(/s3cr3t|hunter2/);
    expect(outcome?.result.condition.message).toContain('[REDACTED]');
  });
});
