import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { generateControlPlaneCerts } from '../testenv/certs.ts';
import type { Watchdog } from '../testenv/watchdog.ts';
import { ensureAgentBuild } from './agent-build.ts';
import { AgentRunner } from './runner.ts';
import { type RailwayServer, startRailwayServer } from './server.ts';

export interface LocalRailway {
  server: RailwayServer;
  /** For the controller's environment (and `.federation/local.env`); secrets live in the platform Secret. */
  env: { RAILWAY_API_URL: string; RUNTIME_PLATFORM_SECRET: string; AGENT_HEALTH_CA_FILE?: string };
}

export interface LocalRailwayOptions {
  port?: number;
  /** Keep every request in the server's requestLog (tests that count calls); off for a long-running platform. */
  logRequests?: boolean;
  /** Keep the server's projects and services in this file across runs (`npm start`'s kept state). */
  stateFile?: string;
  /** Run deployments of the agent image as processes (see runner.ts). */
  agents?: {
    runDir: string;
    watchdog: Watchdog;
    /** Added to the platform Secret: LiveKit's URL and keys, provider keys and endpoints. */
    platformSecretData: Record<string, string>;
    log?: (line: string) => void;
    /**
     * Agents a kept state brings back start only once this settles (npm start: once the platform is up). Their
     * six Node processes, reading modules and models from disk, doubled the boot of n8n (8 s to 16 s on 2 cores)
     * or of the controller after it; nice did not help, as they compete for the disk.
     */
    resumeAfter?: Promise<unknown>;
    /** Images answered by the stub container instead of run (runner.ts, `stubs`). */
    stubs?: RegExp;
  };
}

/**
 * The agent image names the local Railway server runs as the built agent: the release's (federation-agent, the
 * controller's default: reconcilers/runtime/agent-image.ts) and aio-agent, the name the tests deploy it under.
 */
export const AGENT_IMAGE = /(^|\/)(federation-agent|aio-agent)(:|@|$)/;

/**
 * For `npm start`: the local Railway server with a generated token, and the runtime platform Secret
 * (RAILWAY_TOKEN, PULUMI_CONFIG_PASSPHRASE, and with agents the voice agent's LiveKit and provider settings)
 * the runtime component reads, in `federation-system`. With agents, the edge's CA is written to the run
 * directory for the controller's health probe (AGENT_HEALTH_CA_FILE).
 */
export async function startLocalRailway(kubeConfig: KubeConfig, opts: LocalRailwayOptions = {}): Promise<LocalRailway> {
  const token = randomBytes(24).toString('hex');
  let runner: AgentRunner | undefined;
  let caFile: string | undefined;
  if (opts.agents) {
    const { ca, serving } = await generateControlPlaneCerts();
    caFile = join(opts.agents.runDir, 'railway-edge-ca.pem');
    await writeFile(caFile, ca.cert);
    // A CA certificate is public, and the controller may run as another user (the production-tree test runs it
    // unprivileged): readable by all, whatever the umask (npm start's is 077).
    await chmod(caFile, 0o644);
    const log = opts.agents.log;
    runner = new AgentRunner({
      matches: (image) => AGENT_IMAGE.test(image ?? ''),
      stubs: opts.agents.stubs,
      main: () => ensureAgentBuild(log),
      cert: serving,
      logDir: opts.agents.runDir,
      watchdog: opts.agents.watchdog,
      // One process per session instead of a warm one per agent: the local platform shares a few cores.
      // FEDERATION_RUN_DIR: the launcher's leak check finds every process whose environment names the run dir.
      env: { AGENT_IDLE_PROCESSES: '0', FEDERATION_RUN_DIR: opts.agents.runDir },
      // Agents run below the platform's own servers, which share the same few cores.
      nice: 10,
    });
  }
  const server = await startRailwayServer({
    port: opts.port ?? 0,
    token,
    runner,
    countOnly: !opts.logRequests,
    ...(opts.stateFile ? { stateFile: opts.stateFile } : {}),
  });
  // Benchmarks make Railway as slow as the real one (FEDERATION_RAILWAY_LATENCY_MS, e.g. 150 per call).
  server.faults.latencyMs = Number(process.env.FEDERATION_RAILWAY_LATENCY_MS ?? 0);
  // A kept state (npm start) has services whose agents ran last time: the runner brings them back.
  if (runner && opts.stateFile) await runner.resume(server.state, opts.agents?.resumeAfter);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespace = 'federation-system';
  const name = 'runtime-platform';
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((e: { code?: number }) => {
    if (e.code !== 409) throw e;
  });
  const extra = opts.agents?.platformSecretData ?? {};
  const body = {
    metadata: { name, namespace },
    stringData: { RAILWAY_TOKEN: token, PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString('hex'), ...extra },
  };
  await core.createNamespacedSecret({ namespace, body }).catch(async (e: { code?: number }) => {
    if (e.code !== 409) throw e;
    // Keep the passphrase that encrypted existing state; only the server's token (and the agents' settings) are new.
    const existing = await core.readNamespacedSecret({ name, namespace });
    const encoded = Object.fromEntries(
      Object.entries({ RAILWAY_TOKEN: token, ...extra }).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    await core.replaceNamespacedSecret({
      name,
      namespace,
      body: { ...existing, data: { ...existing.data, ...encoded } },
    });
  });
  return {
    server,
    env: {
      RAILWAY_API_URL: server.url,
      RUNTIME_PLATFORM_SECRET: `${namespace}/${name}`,
      ...(caFile ? { AGENT_HEALTH_CA_FILE: caFile } : {}),
    },
  };
}
