import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initializeLogger, log } from '@livekit/agents';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { AgentSettings } from '../../crds/agent.ts';
import type { AgentEnv } from './config/env.ts';
import { createPool } from './db/pool.ts';
import { databaseCheck, gatewayCheck } from './health/checks.ts';
import { startHealthServer } from './health/server.ts';
import { TokenSource } from './tools/cross-department/token-source.ts';
import { startWorker } from './worker/server.ts';

/** Serves health, registers the worker, and drains on SIGTERM/SIGINT. */
export async function run(env: AgentEnv, settings: AgentSettings): Promise<void> {
  initializeLogger({ pretty: false, level: env.LOG_LEVEL });
  const logger = log().child({ department: env.DEPARTMENT_ID });
  const pool = createPool(env);
  let draining = false;
  let livekit = async () => ({ ok: false, message: 'starting' });
  const gatewayToken = new TokenSource({ file: env.GATEWAY_TOKEN_FILE, token: env.GATEWAY_TOKEN });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const health = await startHealthServer({
    host: env.HOST,
    port: env.PORT,
    settings,
    draining: () => draining,
    metrics,
    detailToken: () => gatewayToken.current(),
    checks: {
      database: databaseCheck(pool, env.DB_SCHEMA),
      gateway: gatewayCheck(env.GATEWAY_URL),
      livekit: () => livekit(),
    },
  });
  const agentFile = fileURLToPath(new URL(`./worker/job${extname(import.meta.url)}`, import.meta.url));
  const worker = await startWorker(env, settings.agentName, agentFile);
  livekit = () => worker.livekit();
  logger.info({ port: health.port, settings }, 'agent started');

  async function shutdown(signal: string): Promise<void> {
    if (draining) return;
    draining = true;
    const sessions = worker.activeSessions();
    logger.info({ signal, sessions, timeoutMs: env.AGENT_DRAIN_TIMEOUT_MS }, 'draining');
    const { drained } = await worker.shutdown(env.AGENT_DRAIN_TIMEOUT_MS);
    logger.info({ drained }, drained ? 'sessions drained' : 'drain timed out: remaining sessions ended');
    await pool.end().catch(() => {});
    health.server.close();
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  worker.done.then(
    () => {
      if (!draining) process.exit(0);
    },
    (error: Error) => {
      logger.error({ error: error.message }, 'worker stopped');
      process.exit(1);
    },
  );
}
