import { describe, expect, it } from 'vitest';
import { AgentHealthMonitor } from './monitor.ts';
import type { ProbeResult } from './probe.ts';

const healthy: ProbeResult = {
  kind: 'answered',
  httpStatus: 200,
  readiness: {
    status: 'ready',
    checks: {
      database: { ok: true, message: '' },
      gateway: { ok: true, message: '' },
      livekit: { ok: true, message: '' },
    },
    settings: {
      department: 'hr',
      agentName: 'aio-hr',
      llm: { provider: 'cerebras', model: 'm', temperature: 0.7 },
      stt: { provider: 'deepgram', model: 'nova-3' },
      tts: { provider: 'cartesia', model: 'sonic-3', voice: 'v' },
      tools: [],
    },
  },
};

describe('AgentHealthMonitor', () => {
  it('does enqueue a department only when its verdict changes from what its status shows', async () => {
    let next: ProbeResult = healthy;
    let probes = 0;
    const monitor = new AgentHealthMonitor({
      intervalMs: 1,
      timeoutMs: 100,
      startupGraceMs: 0,
      probe: async () => {
        probes++;
        return next;
      },
    });
    const enqueued: string[] = [];
    monitor.watch('hr', 'https://hr.example', 'd1');
    const verdict = await monitor.verdict('hr', 1000);
    monitor.reported('hr', verdict as NonNullable<typeof verdict>);
    await monitor.probeDue((d) => enqueued.push(d), Date.now() + 10);
    expect(enqueued).toEqual([]);
    next = { kind: 'unreachable', message: 'ECONNREFUSED' };
    await monitor.probeDue((d) => enqueued.push(d), Date.now() + 20);
    expect(enqueued).toEqual(['hr']);
    expect(probes).toBe(3);
  });

  it('does restart the startup grace for a new deployment', async () => {
    const monitor = new AgentHealthMonitor({
      intervalMs: 1000,
      timeoutMs: 100,
      startupGraceMs: 60_000,
      probe: async () => ({ kind: 'unreachable', message: 'ECONNREFUSED' }),
    });
    monitor.watch('hr', 'https://hr.example', 'd1');
    expect((await monitor.verdict('hr', 0))?.condition.reason).toBe('Starting');
    expect(monitor.watch('hr', 'https://hr.example', 'd1').target.since).toBeLessThanOrEqual(Date.now());
    const first = monitor.watch('hr', 'https://hr.example', 'd1').target.since;
    await new Promise((r) => setTimeout(r, 5));
    expect(monitor.watch('hr', 'https://hr.example', 'd2').target.since).toBeGreaterThan(first);
  });

  it('does run the OAuth check beside each probe, and a check that throws is a failed check', async () => {
    let oauth: () => Promise<{ ok: boolean; message: string } | undefined> = async () => ({ ok: true, message: 'ok' });
    const asked: string[] = [];
    const monitor = new AgentHealthMonitor({
      intervalMs: 1,
      timeoutMs: 100,
      startupGraceMs: 0,
      probe: async () => healthy,
      oauth: (department) => {
        asked.push(department);
        return oauth();
      },
    });
    monitor.watch('hr', 'https://hr.example', 'd1');
    const first = await monitor.verdict('hr', 0);
    expect(first?.condition.reason).toBe('Healthy');
    monitor.reported('hr', first as NonNullable<typeof first>);
    oauth = async () => {
      throw new Error('connection terminated');
    };
    const enqueued: string[] = [];
    await monitor.probeDue((d) => enqueued.push(d), Date.now() + 10);
    expect(enqueued).toEqual(['hr']);
    const second = await monitor.verdict('hr', 1000);
    expect(second?.condition).toMatchObject({ status: 'False', reason: 'DependencyDown' });
    expect(second?.condition.message).toContain(
      'oauth: the stored OAuth client could not be read: connection terminated',
    );
    oauth = async () => undefined;
    expect((await monitor.verdict('hr', 0))?.condition.reason).toBe('Healthy');
    expect(asked).toEqual(['hr', 'hr', 'hr']);
  });
});

describe('AgentHealthMonitor.verdictCounts', () => {
  it('does count the watched agents by their last verdict, every verdict listed', async () => {
    const results: Record<string, ProbeResult> = {
      'https://hr.example': healthy,
      'https://sales.example': { kind: 'unreachable', message: 'ECONNREFUSED' },
      'https://legal.example': healthy,
    };
    const monitor = new AgentHealthMonitor({
      intervalMs: 1000,
      timeoutMs: 100,
      startupGraceMs: 0,
      probe: async (url) => results[url] as ProbeResult,
    });
    expect(monitor.verdictCounts()).toEqual({
      Healthy: 0,
      DependencyDown: 0,
      Unreachable: 0,
      Starting: 0,
      Draining: 0,
    });
    for (const d of ['hr', 'sales', 'legal']) monitor.watch(d, `https://${d}.example`, 'd1');
    // Watched but not judged yet: not counted.
    expect(monitor.verdictCounts().Healthy).toBe(0);
    await monitor.probeDue(() => {});
    expect(monitor.verdictCounts()).toMatchObject({ Healthy: 2, Unreachable: 1 });

    monitor.unwatch('legal');
    results['https://sales.example'] = healthy;
    await monitor.probeDue(() => {}, Date.now() + 2000);
    expect(monitor.verdictCounts()).toMatchObject({ Healthy: 2, Unreachable: 0 });
  });
});
