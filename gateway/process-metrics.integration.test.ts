import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { gatewayProcess } from '../e2e/support/gateway-process.ts';

describe('gateway process metrics', () => {
  let t: GatewayTestbed;
  let gateway: { url: string; child: ChildProcess };

  beforeAll(async () => {
    t = await startTestbed({ kubeconfig: inject('kubeconfig'), databaseUrl: inject('databaseUrl'), prefixes: ['gpm'] });
    gateway = await gatewayProcess(t.gatewayUrl, inject('kubeconfig'));
  });

  afterAll(async () => {
    gateway?.child.kill('SIGTERM');
    await t?.stop();
  });

  it("does serve Node's process metrics beside its request metrics on /metrics", async () => {
    await fetch(`${gateway.url}/healthz`);
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'process_open_fds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_active_handles_total',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
    expect(text).toMatch(/^gateway_http_requests_total\{route="\/healthz",method="GET",status="200"\} 1$/m);
    expect(text).toMatch(/^gateway_http_request_duration_seconds_bucket\{/m);
  });
});
