import { describe, expect, it } from 'vitest';
import { orderConditions, setCondition } from './conditions.ts';

describe('setCondition', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const t1 = new Date('2026-01-01T01:00:00Z');

  it('keeps lastTransitionTime while the status stays the same', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 1, t0);
    const second = setCondition(first, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, 2, t1);
    expect(second).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'B',
        message: 'b',
        observedGeneration: 2,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);
  });

  it('moves lastTransitionTime when the status changes', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 1, t0);
    const second = setCondition(first, { type: 'Ready', status: 'True', reason: 'A', message: 'a' }, 1, t1);
    expect(second[0]?.lastTransitionTime).toBe('2026-01-01T01:00:00Z');
  });

  it('does put Ready, Reconciling, Stalled first and keep every other condition in its place', () => {
    let c = setCondition([], { type: 'ZetaReady', status: 'True', reason: 'x', message: '' }, 1, t0);
    c = setCondition(c, { type: 'Stalled', status: 'False', reason: 'x', message: '' }, 1, t0);
    c = setCondition(c, { type: 'AlphaReady', status: 'True', reason: 'x', message: '' }, 1, t0);
    c = setCondition(c, { type: 'Ready', status: 'True', reason: 'x', message: '' }, 1, t0);
    c = setCondition(c, { type: 'ZetaReady', status: 'False', reason: 'y', message: '' }, 1, t0);
    expect(c.map((x) => x.type)).toEqual(['Ready', 'Stalled', 'ZetaReady', 'AlphaReady']);
  });
});

describe('orderConditions', () => {
  it('does list the core conditions, then the given types in order, then the rest alphabetically', () => {
    const of = (type: string) => ({ type, status: 'True' as const, reason: 'x', message: '', lastTransitionTime: '' });
    const types = ['Stale', 'RuntimeReady', 'Reconciling', 'NamespaceReady', 'Old', 'DatabaseReady', 'Ready'];
    const ordered = orderConditions(types.map(of), ['NamespaceReady', 'DatabaseReady', 'RuntimeReady']);
    expect(ordered.map((c) => c.type)).toEqual([
      'Ready',
      'Reconciling',
      'NamespaceReady',
      'DatabaseReady',
      'RuntimeReady',
      'Old',
      'Stale',
    ]);
  });
});
