import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthServer } from './server.ts';

const ok = async () => ({ ok: true, message: 'ok' });

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
      checks: { database: ok, gateway: ok, livekit: ok },
      draining: () => false,
      metrics,
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
});
