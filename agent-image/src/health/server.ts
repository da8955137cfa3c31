import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
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
  /**
   * The credential that unlocks /ready's detail (the department's gateway token, which the controller that
   * probes it holds too); without it, or with another bearer, /ready answers its status alone.
   */
  detailToken: () => string | undefined;
  /** Checks run at most once per this period however often /ready is called (default 2 s). */
  checkCacheMs?: number;
}

function bearerMatches(req: IncomingMessage, expected: string | undefined): boolean {
  const header = req.headers.authorization;
  if (!expected || !header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The agent's health endpoints on the port the runtime passes: /health (liveness: the process serves), /ready
 * (200 when every dependency is ok, 503 otherwise; each dependency's result and the settings the agent runs
 * only for the bearer of detailToken, since they name internal URLs and carry raw error text), and /metrics
 * (Prometheus text). The checks run at most once per checkCacheMs, so unauthenticated callers cannot make the
 * agent hammer its database and gateway.
 */
export async function startHealthServer(opts: HealthServerOptions): Promise<{ server: Server; port: number }> {
  let cached: { at: number; checks: Promise<AgentReadiness['checks']> } | undefined;
  const checksNow = () => {
    const now = Date.now();
    if (!cached || now - cached.at >= (opts.checkCacheMs ?? 2000)) {
      cached = { at: now, checks: runChecks(opts.checks) };
    }
    return cached.checks;
  };
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
      const detail = bearerMatches(req, opts.detailToken());
      checksNow().then((checks) => {
        const allOk = Object.values(checks).every((c) => c.ok);
        const status = opts.draining() ? 'draining' : allOk ? 'ready' : 'not_ready';
        const body: AgentReadiness = { status, checks, settings: opts.settings };
        json(status === 'ready' ? 200 : 503, detail ? body : { status });
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
