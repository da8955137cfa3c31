import { createServer } from 'node:net';
import { AgentServer, ServerOptions } from '@livekit/agents';
import type { AgentEnv } from '../config/env.ts';
import type { CheckResult } from '../health/checks.ts';

export interface Worker {
  /** Registered with LiveKit and its connection open (the worker's own health endpoint says so). */
  livekit(): Promise<CheckResult>;
  activeSessions(): number;
  /** Stops taking jobs, waits up to `timeoutMs` for active sessions, then ends what is left. */
  shutdown(timeoutMs: number): Promise<{ drained: boolean }>;
  /** Settles when the worker stops; rejects when it gives up reconnecting to LiveKit. */
  done: Promise<void>;
}

/** A free loopback port for the worker's internal health endpoint (several agents may share a host). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Registers the department's agent with LiveKit under its agent name (explicit dispatch only). The load it
 * reports is its sessions over AGENT_MAX_SESSIONS, not the host's CPU: on a shared host the CPU figure would
 * make LiveKit stop dispatching to an idle agent.
 */
export async function startWorker(env: AgentEnv, agentName: string, agentFile: string): Promise<Worker> {
  const internalPort = await freePort();
  const server = new AgentServer(
    new ServerOptions({
      agent: agentFile,
      agentName,
      wsURL: env.LIVEKIT_URL,
      apiKey: env.LIVEKIT_API_KEY,
      apiSecret: env.LIVEKIT_API_SECRET,
      host: '127.0.0.1',
      port: internalPort,
      // `production` only picks defaults; every one it would change is set explicitly here.
      production: false,
      numIdleProcesses: env.AGENT_IDLE_PROCESSES,
      loadFunc: async (w) => Math.min(1, w.activeJobs.length / env.AGENT_MAX_SESSIONS),
      loadThreshold: 1,
      initializeProcessTimeout: env.AGENT_JOB_INIT_TIMEOUT_MS,
      shutdownProcessTimeout: 5_000,
      drainTimeout: env.AGENT_DRAIN_TIMEOUT_MS,
      logLevel: env.LOG_LEVEL,
    }),
  );
  let registered = false;
  server.event.on('worker_registered', () => {
    registered = true;
  });
  const done = server.run();
  done.catch(() => {});
  return {
    done,
    activeSessions: () => server.activeJobs.length,
    async livekit() {
      if (!registered) return { ok: false, message: `not registered with ${env.LIVEKIT_URL} yet` };
      const response = await fetch(`http://127.0.0.1:${internalPort}/`, { signal: AbortSignal.timeout(2_000) });
      const text = await response.text();
      return response.ok
        ? { ok: true, message: `registered as ${agentName} with ${env.LIVEKIT_URL}` }
        : { ok: false, message: `${text} (${env.LIVEKIT_URL})` };
    },
    async shutdown(timeoutMs) {
      let drained = true;
      try {
        await server.drain(timeoutMs);
      } catch {
        drained = false;
      }
      await server.close();
      return { drained };
    },
  };
}
