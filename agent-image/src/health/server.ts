import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import {
  AGENT_HEALTH_PATH,
  AGENT_READY_PATH,
  type AgentDependency,
  type AgentReadiness,
  type AgentSettings,
} from '../../../crds/agent.ts';
import { type Check, runChecks } from './checks.ts';

export interface HealthServerOptions {
  host: string;
  port: number;
  settings: AgentSettings;
  checks: Record<AgentDependency, Check>;
  /** True once SIGTERM started draining: /ready answers 503 so no new sessions are routed here. */
  draining(): boolean;
  /** Served as Prometheus text on /metrics. */
  metrics: Registry;
}

/**
 * The agent's health endpoints on the port the runtime passes: /health (liveness: the process serves) and
 * /ready (each dependency reported, with the settings the agent runs: 200 when all are ok, 503 otherwise), and
 * /metrics (Prometheus text).
 */
export async function startHealthServer(opts: HealthServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'GET only' });
    if (path === AGENT_HEALTH_PATH) return json(200, { status: 'ok' });
    if (path === '/metrics') {
      opts.metrics.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': opts.metrics.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        (error: Error) => json(500, { error: `metrics could not be collected: ${error.message}` }),
      );
      return;
    }
    if (path === AGENT_READY_PATH) {
      runChecks(opts.checks).then((checks) => {
        const allOk = Object.values(checks).every((c) => c.ok);
        const status = opts.draining() ? 'draining' : allOk ? 'ready' : 'not_ready';
        const body: AgentReadiness = { status, checks, settings: opts.settings };
        json(status === 'ready' ? 200 : 503, body);
      });
      return;
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
