import { describe, expect, it } from 'vitest';
import type { AgentReadiness } from '../../../crds/agent.ts';
import { HealthReason } from './conditions.ts';
import type { ProbeResult } from './probe.ts';
import { type AgentTarget, healthCondition } from './verdict.ts';

const settings: AgentReadiness['settings'] = {
  department: 'hr',
  agentName: 'aio-hr',
  llm: { provider: 'cerebras', model: 'llama-3.3-70b', temperature: 0.5 },
  stt: { provider: 'deepgram', model: 'nova-3' },
  tts: { provider: 'cartesia', model: 'sonic-3', voice: 'v' },
  tools: ['email'],
};
const ok = { ok: true, message: 'ok' };
const answered = (
  checks: Partial<AgentReadiness['checks']>,
  status: AgentReadiness['status'] = 'ready',
): ProbeResult => ({
  kind: 'answered',
  httpStatus: status === 'ready' ? 200 : 503,
  readiness: { status, checks: { database: ok, gateway: ok, livekit: ok, ...checks }, settings },
});
const target = (over: Partial<AgentTarget> = {}): AgentTarget => ({
  url: 'https://aio-hr.up.railway.app',
  since: 0,
  everHealthy: true,
  ...over,
});
const at = (ms: number, result: ProbeResult) => ({ result, at: ms });

describe('healthCondition', () => {
  it('does report healthy as True/Healthy with the settings the agent runs', () => {
    expect(healthCondition(target(), at(1, answered({})), 60_000).condition).toEqual({
      status: 'True',
      reason: HealthReason.Healthy,
      message:
        'aio-hr: llm cerebras/llama-3.3-70b, stt deepgram/nova-3, tts cartesia/sonic-3; database, gateway, livekit ok',
    });
  });

  it('does report degraded as False/DependencyDown naming the dependency', () => {
    const { condition } = healthCondition(
      target(),
      at(1, answered({ database: { ok: false, message: 'connection refused' } }, 'not_ready')),
      60_000,
    );
    expect(condition).toMatchObject({ status: 'False', reason: HealthReason.DependencyDown });
    expect(condition.message).toContain('reports database down (database: connection refused)');
  });

  it('does report down as False/Unreachable once the agent has served, and Starting before within the grace', () => {
    const refused: ProbeResult = { kind: 'unreachable', message: 'ECONNREFUSED' };
    expect(healthCondition(target(), at(1, refused), 60_000).condition.reason).toBe(HealthReason.Unreachable);
    expect(healthCondition(target({ everHealthy: false }), at(1, refused), 60_000).condition).toMatchObject({
      status: 'Unknown',
      reason: HealthReason.Starting,
    });
    expect(healthCondition(target({ everHealthy: false }), at(60_001, refused), 60_000).condition.reason).toBe(
      HealthReason.Unreachable,
    );
  });

  it('does tell a changed model apart in its key, but not a changed error text', () => {
    const a = healthCondition(target(), at(1, answered({})), 1).key;
    const other = { ...settings, llm: { ...settings.llm, model: 'llama-4' } };
    const b = healthCondition(
      target(),
      at(1, {
        kind: 'answered',
        httpStatus: 200,
        readiness: { ...(answered({}) as { readiness: AgentReadiness }).readiness, settings: other },
      }),
      1,
    ).key;
    expect(a).not.toBe(b);
    const e1 = healthCondition(target(), at(1, { kind: 'unreachable', message: 'ECONNREFUSED' }), 1).key;
    const e2 = healthCondition(target(), at(1, { kind: 'unreachable', message: 'timeout' }), 1).key;
    expect(e1).toBe(e2);
  });

  it('does count the OAuth check: healthy with it ok, degraded naming oauth when not, down whatever it says', () => {
    const oauthOk = { ok: true, message: 'gmail: token valid until later' };
    const stale = { ok: false, message: 'gmail: the access token expired at 10:00 and was not renewed' };
    const healthy = healthCondition(target(), { ...at(1, answered({})), oauth: oauthOk }, 60_000).condition;
    expect(healthy).toMatchObject({ status: 'True', reason: HealthReason.Healthy });
    expect(healthy.message).toContain('database, gateway, livekit, oauth ok');
    const degraded = healthCondition(target(), { ...at(1, answered({})), oauth: stale }, 60_000).condition;
    expect(degraded).toMatchObject({ status: 'False', reason: HealthReason.DependencyDown });
    expect(degraded.message).toContain('reports oauth down (oauth: gmail: the access token expired at 10:00');
    const refused: ProbeResult = { kind: 'unreachable', message: 'ECONNREFUSED' };
    expect(healthCondition(target(), { ...at(1, refused), oauth: oauthOk }, 60_000).condition.reason).toBe(
      HealthReason.Unreachable,
    );
  });
});
