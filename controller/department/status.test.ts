import { describe, expect, it } from 'vitest';
import type { Component } from '../../reconcilers/component.ts';
import type { Outcome } from './component-graph.ts';
import { canonical, componentConditions, FAILURES_BEFORE_FAILED, nextPhase, summarize } from './status.ts';

const component = { name: 'c', conditionType: 'CReady' } as Component;
const ok: Outcome = { component, result: { condition: { status: 'True', reason: 'Ok', message: '' } } };
const failing: Outcome = {
  component,
  error: new Error('x'),
  result: { condition: { status: 'False', reason: 'ApplyFailed', message: 'x' } },
};
const stalled: Outcome = { ...failing, terminal: true };

describe('nextPhase', () => {
  it('goes Provisioning -> Active when every component is ready', () => {
    expect(nextPhase('Provisioning', summarize([ok]), false, 0)).toBe('Active');
  });
  it('stays Provisioning through transient failures, then reports Failed', () => {
    expect(nextPhase('Provisioning', summarize([failing]), false, 0)).toBe('Provisioning');
    expect(nextPhase('Provisioning', summarize([failing]), false, FAILURES_BEFORE_FAILED - 1)).toBe('Failed');
  });
  it('goes Active -> Failed when a component fails, and Failed on a terminal error at once', () => {
    expect(nextPhase('Active', summarize([ok, failing]), false, 0)).toBe('Failed');
    expect(nextPhase('Provisioning', summarize([stalled]), false, 0)).toBe('Failed');
  });
  it('goes Failed -> Provisioning on a spec change or a retry request', () => {
    expect(nextPhase('Failed', summarize([failing]), true, 3)).toBe('Provisioning');
    expect(nextPhase('Failed', summarize([failing]), false, 3)).toBe('Failed');
  });
});

describe('canonical', () => {
  it('ignores key order', () => {
    expect(canonical({ a: 1, b: { c: 2, d: 3 } })).toBe(canonical({ b: { d: 3, c: 2 }, a: 1 }));
  });
});

describe('componentConditions', () => {
  it('does list Ready, Reconciling, Stalled, then each component in dependency order with its extra conditions', () => {
    const ready = (name: string, conditionType: string, extra?: string): Outcome => ({
      component: { name, conditionType } as Component,
      result: {
        condition: { status: 'True', reason: 'Ok', message: '' },
        ...(extra ? { extraConditions: [{ type: extra, status: 'True' as const, reason: 'Ok', message: '' }] } : {}),
      },
    });
    // In dependency order, as applyComponents returns them; none of it alphabetical.
    const outcomes = [
      ready('namespace', 'NamespaceReady'),
      ready('database', 'DatabaseReady', 'DatabaseIsolated'),
      ready('runtime', 'RuntimeReady'),
      ready('agent-health', 'AgentHealthy'),
    ];
    const earlier = [
      { type: 'AgentHealthy', status: 'Unknown' as const, reason: 'x', message: '', lastTransitionTime: '' },
    ];
    const conditions = componentConditions(earlier, outcomes, summarize(outcomes), 1, new Date());
    expect(conditions.map((c) => c.type)).toEqual([
      'Ready',
      'Reconciling',
      'Stalled',
      'NamespaceReady',
      'DatabaseReady',
      'DatabaseIsolated',
      'RuntimeReady',
      'AgentHealthy',
    ]);
  });
});
