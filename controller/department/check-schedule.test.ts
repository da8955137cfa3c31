import { describe, expect, it } from 'vitest';
import type { Component, ComponentResult } from '../../reconcilers/component.ts';
import { CheckSchedule, type OwnedVersion, type PassBasis, stands } from './check-schedule.ts';

function component(checkIntervalMs?: number): Component {
  return {
    name: 'database',
    conditionType: 'DatabaseReady',
    dependsOn: [],
    ...(checkIntervalMs === undefined ? {} : { checkIntervalMs }),
    apply: async () => ready,
    delete: async () => ready,
  };
}

function basis(department: string, owned: Record<string, OwnedVersion> = {}): PassBasis {
  return { department, owned: new Map(Object.entries(owned)) };
}
const g1 = basis('g1');
const g2 = basis('g2');

const ready: ComponentResult = { condition: { status: 'True', reason: 'Provisioned', message: 'fine' } };

function clocked(maxIntervalMs = 600_000) {
  const clock = { now: 1_000_000 };
  return { clock, schedule: new CheckSchedule(maxIntervalMs, () => clock.now) };
}

describe('CheckSchedule', () => {
  it('reuses a Ready result until its interval ends, asking to be run when it does', () => {
    const { clock, schedule } = clocked();
    const db = component(60_000);
    expect(schedule.record('hr', db, g1, '{}', ready)).toEqual({ ...ready, requeueAfterMs: 60_000 });
    clock.now += 45_000;
    expect(schedule.reuse('hr', db, g1, '{}')).toEqual({ ...ready, requeueAfterMs: 15_000 });
    clock.now += 13_999;
    expect(schedule.reuse('hr', db, g1, '{}')).toEqual({ ...ready, requeueAfterMs: 1_001 });
    // Due within a second: checked now, with whatever fell due a moment earlier, rather than in a pass of its own.
    clock.now += 1;
    expect(schedule.reuse('hr', db, g1, '{}')).toBeUndefined();
  });

  it('checks at once when the pass is for something else or the dependencies changed', () => {
    const { schedule } = clocked();
    const db = component(60_000);
    schedule.record('hr', db, g1, '{"namespace":{}}', ready);
    expect(schedule.reuse('hr', db, g2, '{"namespace":{}}')).toBeUndefined();
    expect(schedule.reuse('hr', db, g1, '{"namespace":{"name":"x"}}')).toBeUndefined();
    expect(schedule.reuse('sales', db, g1, '{"namespace":{}}')).toBeUndefined();
  });

  it('never reuses a result that is not Ready, a failure, or one of a component checked on every pass', () => {
    const { schedule } = clocked();
    const db = component(60_000);
    const waiting: ComponentResult = { condition: { status: 'Unknown', reason: 'Deploying', message: 'soon' } };
    expect(schedule.record('hr', db, g1, '{}', waiting)).toBe(waiting);
    expect(schedule.reuse('hr', db, g1, '{}')).toBeUndefined();

    schedule.record('hr', db, g1, '{}', ready);
    expect(schedule.record('hr', db, g1, '{}', undefined)).toBeUndefined();
    expect(schedule.reuse('hr', db, g1, '{}')).toBeUndefined();

    const everyPass = component();
    expect(schedule.record('hr', everyPass, g1, '{}', ready)).toBe(ready);
    expect(schedule.reuse('hr', everyPass, g1, '{}')).toBeUndefined();
  });

  it('checks sooner when the result asks to be run sooner or the resync period is shorter', () => {
    const { schedule } = clocked(120_000);
    expect(schedule.record('hr', component(600_000), g1, '{}', ready)?.requeueAfterMs).toBe(120_000);
    expect(
      schedule.record('hr', component(600_000), g1, '{}', { ...ready, requeueAfterMs: 5_000 })?.requeueAfterMs,
    ).toBe(5_000);
  });

  it('lets a check stand over the controller’s own writes, not over a deletion or anyone else’s write', () => {
    const then = basis('g1', { 'dept-hr/database': { resourceVersion: '10', ours: true } });
    const renewed = { resourceVersion: '12', ours: true };
    expect(stands(then, basis('g1', { 'dept-hr/database': renewed, 'dept-hr/gateway-token': renewed }))).toBe(true);
    expect(stands(then, basis('g1', { 'dept-hr/database': { resourceVersion: '12', ours: false } }))).toBe(false);
    expect(stands(then, basis('g1', { 'dept-hr/n8n-webhook': renewed }))).toBe(false);
    expect(
      stands(then, basis('g1', { 'dept-hr/database': renewed, 'dept-hr/x': { resourceVersion: '13', ours: false } })),
    ).toBe(false);
    expect(stands(then, basis('g2', { 'dept-hr/database': { resourceVersion: '10', ours: true } }))).toBe(false);
  });

  it('forgets a Department', () => {
    const { schedule } = clocked();
    const db = component(60_000);
    schedule.record('hr', db, g1, '{}', ready);
    schedule.forget('hr');
    expect(schedule.reuse('hr', db, g1, '{}')).toBeUndefined();
  });
});
