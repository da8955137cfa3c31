import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentReadiness } from '../../../crds/agent.ts';
import { startHealthServer } from './server.ts';

const ok = async () => ({ ok: true, message: 'ok' });
let databaseRuns = 0;
const database = async () => {
  databaseRuns++;
  return { ok: false, message: 'connect ECONNREFUSED 10.0.0.7:5432 (postgres://dept_hr_role@db.internal)' };
};

describe('startHealthServer', () => {
  const metrics = new Registry();
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    collectDefaultMetrics({ register: metrics });
    new Counter({ name: 'agent_test_total', help: 'a metric of this test', registers: [metrics] }).inc(3);
    const { server, port } = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      settings: {
        department: 'hr',
        agentName: 'aio-hr',
        llm: { provider: 'cerebras', model: 'llama-3.3-70b', temperature: 0.4 },
        stt: { provider: 'deepgram', model: 'nova-3' },
        tts: { provider: 'cartesia', model: 'sonic-3', voice: 'v' },
        tools: [],
      },
      checks: { database, gateway: ok, livekit: ok },
      draining: () => false,
      metrics,
      detailToken: () => 'the-gateway-token',
      checkCacheMs: 60_000,
    });
    url = `http://127.0.0.1:${port}`;
    close = () => server.close();
  });
  afterAll(() => close?.());

  it('does serve its registry, Node process metrics included, as Prometheus text on /metrics', async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^agent_test_total 3$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('does answer /ready with its status alone to a caller without the token', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', 'Bearer the-gateway-tokenX', 'the-gateway-token']) {
      const response = await fetch(`${url}/ready`, authorization ? { headers: { authorization } } : {});
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ status: 'not_ready' });
      expect(text).not.toContain('10.0.0.7');
    }
  });

  it('does show the checks and settings to the bearer of the token', async () => {
    const response = await fetch(`${url}/ready`, { headers: { authorization: 'Bearer the-gateway-token' } });
    expect(response.status).toBe(503);
    const body = (await response.json()) as AgentReadiness;
    expect(body.checks.database).toMatchObject({ ok: false, message: expect.stringContaining('ECONNREFUSED') });
    expect(body.settings.agentName).toBe('aio-hr');
  });

  it('does run its checks at most once per period however often /ready is called', async () => {
    const before = databaseRuns;
    await Promise.all(Array.from({ length: 20 }, () => fetch(`${url}/ready`).then((r) => r.text())));
    expect(databaseRuns - before).toBeLessThanOrEqual(1);
  });

  it('does answer /health with a plain status', async () => {
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});
