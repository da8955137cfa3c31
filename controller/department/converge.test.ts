import { describe, expect, it } from 'vitest';
import type {
  Component,
  ComponentContext,
  ComponentResult,
  DepartmentObject,
  KubeApi,
  Observation,
} from '../../reconcilers/component.ts';
import { silentLogger } from '../runtime/logger.ts';
import { converge } from './converge.ts';

const CURRENT: ComponentResult = {
  condition: { status: 'True', reason: 'Running', message: 'as declared' },
  extraConditions: [{ type: 'ThingDrifted', status: 'False', reason: 'NoDrift', message: 'matches' }],
};
const APPLIED: ComponentResult = { condition: { status: 'Unknown', reason: 'Provisioning', message: 'applying' } };

function setup(observation: Observation | undefined, policy?: 'Report' | 'Remediate') {
  const events: { type: string; reason: string; note: string }[] = [];
  let applies = 0;
  const component: Component = {
    name: 'thing',
    conditionType: 'ThingReady',
    dependsOn: [],
    drift: { subject: 'Thing', conditionType: 'ThingDrifted', ...(policy ? { policy: () => policy } : {}) },
    ...(observation ? { observe: async () => observation } : {}),
    async apply() {
      applies++;
      return APPLIED;
    },
    async delete() {
      return APPLIED;
    },
  };
  const ctx = {
    department: { metadata: { name: 'hr' } } as DepartmentObject,
    kube: {} as KubeApi,
    namespace: 'dept-hr',
    dependencies: {},
    events: {
      async event(type: string, reason: string, note: string) {
        events.push({ type, reason, note });
      },
    },
    log: silentLogger,
    signal: new AbortController().signal,
  } as ComponentContext;
  return { run: () => converge(component, ctx), events, applies: () => applies };
}

describe('converge', () => {
  it('does apply a component without observe every pass', async () => {
    const t = setup(undefined);
    expect(await t.run()).toBe(APPLIED);
    expect(t.applies()).toBe(1);
  });

  it('does nothing but report the current result when up to date', async () => {
    const t = setup({ exists: true, upToDate: true, current: CURRENT });
    expect(await t.run()).toBe(CURRENT);
    expect(t.applies()).toBe(0);
    expect(t.events).toEqual([]);
  });

  it('does apply, without a drift Event, what is missing or behind the spec', async () => {
    for (const seen of [
      { exists: false, upToDate: false },
      { exists: true, upToDate: false, current: CURRENT },
    ]) {
      const t = setup(seen);
      expect(await t.run()).toBe(APPLIED);
      expect(t.applies()).toBe(1);
      expect(t.events).toEqual([]);
    }
  });

  it('does report drift under Report and leave it alone', async () => {
    const t = setup({ exists: true, upToDate: false, drift: ['a differs', 'b is gone'], current: CURRENT }, 'Report');
    const result = await t.run();
    expect(t.applies()).toBe(0);
    expect(result.condition).toEqual(CURRENT.condition);
    expect(result.extraConditions).toEqual([
      { type: 'ThingDrifted', status: 'True', reason: 'DriftDetected', message: 'a differs; b is gone' },
    ]);
    expect(t.events).toEqual([
      { type: 'Warning', reason: 'DriftDetected', note: 'Thing differs: a differs; b is gone' },
    ]);
  });

  it('does announce and apply drift under Remediate, the default', async () => {
    for (const policy of ['Remediate', undefined] as const) {
      const t = setup({ exists: true, upToDate: false, drift: ['a differs'], current: CURRENT }, policy);
      const result = await t.run();
      expect(t.applies()).toBe(1);
      expect(result.condition).toEqual(APPLIED.condition);
      expect(result.extraConditions).toEqual([
        { type: 'ThingDrifted', status: 'False', reason: 'DriftDetected', message: 'repairing: a differs' },
      ]);
      expect(t.events).toEqual([
        { type: 'Warning', reason: 'DriftDetected', note: 'Thing differs, repairing: a differs' },
      ]);
    }
  });
});
