// The local platform the fault suite injects faults into: the same pieces `npm start` runs (API server, etcd,
// Postgres, n8n, the local Railway server, the controller as its ServiceAccount, the gateway), started through
// the same helpers, with timings shortened so a CI run fits (see README.md, "Trimmed for CI").
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import type { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { pulumiBackendFor } from '../../reconcilers/runtime/config.ts';
import { startController, storeN8nSecret } from '../platform/controller.ts';
import { startGateway } from '../platform/gateway.ts';
import { type LocalRailway, startLocalRailway } from '../railway/local.ts';
import { adminClient } from '../testenv/admin-client.ts';
import { kubectlOk } from '../testenv/kubectl.ts';
import { type RunningN8n, startN8n } from '../testenv/n8n.ts';
import { type Platform, startPlatform } from '../testenv/platform.ts';
import { freePort } from '../testenv/ports.ts';
import { processesMentioning } from '../testenv/processes.ts';
import { ensurePulumiCli } from '../testenv/pulumi-cli.ts';
import { waitFor } from '../testenv/wait.ts';
import { type N8nProxy, startN8nProxy } from './n8n-proxy.ts';

export const OAUTH_NAMESPACE = 'federation-oauth-clients';
export const OAUTH_SECRET = 'faults-google-oauth';

export interface RunningController {
  pid: number;
  metricsUrl: string;
}

export interface FaultPlatform {
  platform: Platform;
  admin: RestClient;
  /** Superuser pool on the platform database (inspection and fault injection only). */
  db: pg.Pool;
  n8n: Omit<RunningN8n, 'database' | 'pid'> & { pid: number; database: string };
  /** What the controllers call n8n through. */
  n8nProxy: N8nProxy;
  railway: LocalRailway;
  /** Empty when the platform started without its CRDs (installCrds: false): no gateway runs then. */
  gateway: { url: string };
  /** Where the controllers keep their Pulumi workspaces. */
  workRoot: string;
  /** The Pulumi state backend the controllers use (their PULUMI_BACKEND_URL). */
  pulumiBackendUrl: string;
  /** Controllers started so far that still run. */
  controllers: RunningController[];
  startController(extra?: Record<string, string>): Promise<RunningController>;
  /** SIGKILLs a controller (the process only: what it started must die on its own). */
  killController(c: RunningController): Promise<void>;
  stop(): Promise<void>;
}

/** Lease settings short enough that a restarted controller leads within seconds. */
export const LEASE = { LEASE_DURATION: '6s', RENEW_DEADLINE: '4s', RETRY_PERIOD: '1s' };

export interface FaultPlatformOptions {
  /**
   * false: the API server starts without the CRDs, and neither the controller nor the gateway starts (the GitOps
   * test: Argo CD installs the CRDs; the test starts the controller once they exist, with `startController`).
   */
  installCrds?: boolean;
  /** Agent images the local Railway answers with its stub container instead of running (runner.ts). */
  agentStubs?: RegExp;
}

export async function startFaultPlatform(
  log: (line: string) => void,
  opts: FaultPlatformOptions = {},
): Promise<FaultPlatform> {
  const installCrds = opts.installCrds ?? true;
  const platform = await startPlatform({ installCrds, log });
  try {
    const n8n = await startN8n({
      runDir: platform.runDir,
      databaseUrl: platform.databaseUrl,
      watchdog: platform.watchdog,
      log,
    });
    platform.onStop(n8n.stop);
    // With a runner, as npm start has: each service gets an HTTPS edge the controller's AgentHealthy probe reaches
    // (AGENT_HEALTH_CA_FILE), and the suite's departments deploy the stub agent image (departments.ts), which
    // answers the agent's health contract without a voice agent process each.
    const railway = await startLocalRailway(kubeConfigOf(platform.kubeconfig), {
      logRequests: true, // case 3 counts the calls made while Railway fails
      agents: {
        runDir: platform.runDir,
        watchdog: platform.watchdog,
        platformSecretData: {},
        log,
        ...(opts.agentStubs ? { stubs: opts.agentStubs } : {}),
      },
    });
    platform.onStop(() => railway.server.stop());
    await storeN8nSecret(platform.kubeconfig, n8n);
    const n8nProxy = await startN8nProxy(n8n.url);
    platform.onStop(n8nProxy.stop);
    await oauthClientSecret(platform.kubeconfig);
    const pulumi = await ensurePulumiCli();
    const gatewayPort = await freePort();
    const workRoot = join(platform.runDir, 'pulumi');
    const pulumiBackendUrl = pulumiBackendFor(platform.databaseUrl);
    const env = {
      PULUMI_BACKEND_URL: pulumiBackendUrl,
      GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
      PULUMI_CLI_ROOT: pulumi.root,
      PULUMI_HOME: pulumi.pulumiHome,
      N8N_URL: n8nProxy.url,
      N8N_API_KEY: n8n.apiKey,
      N8N_WEBHOOK_BASE_URL: `${n8n.url}/webhook`,
      ...railway.env,
      RUNTIME_WORK_DIR: workRoot,
      RUNTIME_POLL_MS: '1000',
      AGENT_HEALTH_INTERVAL: '10s', // default 5m: a redeployed agent is seen healthy within seconds
      RESYNC_PERIOD: '60s', // default 10m: a failed reconcile in long backoff is retried within a minute
      LOG_LEVEL: 'info',
      ...LEASE,
    };
    const controllers: RunningController[] = [];
    const start = async (extra: Record<string, string> = {}): Promise<RunningController> => {
      const { metricsUrl } = await startController(platform, { ...env, ...extra });
      const port = new URL(metricsUrl).port;
      const [proc] = processesMentioning(`METRICS_PORT=${port}`).filter((p) =>
        p.cmdline.includes('controller/main.ts'),
      );
      if (!proc) throw new Error(`no controller process with METRICS_PORT=${port}`);
      const running = { pid: proc.pid, metricsUrl };
      controllers.push(running);
      return running;
    };
    if (installCrds) await start();
    // A process of the platform's (stopped with it), as npm start runs it.
    const gateway = installCrds ? await startGateway(platform, gatewayPort) : { url: '' };
    const n8nProcess = processesMentioning(`N8N_PORT=${new URL(n8n.url).port}`).find((p) =>
      p.cmdline.includes('n8n start'),
    );
    if (!n8nProcess) throw new Error('the n8n process was not found');
    const database = /(?:^|\0)DB_POSTGRESDB_DATABASE=([^\0]+)/.exec(n8nProcess.environ)?.[1] ?? '';
    const admin = adminClient(platform.kubeconfig);
    const db = new pg.Pool({ connectionString: platform.databaseUrl, max: 4 });
    db.on('error', () => {}); // the suite terminates backends on purpose
    return {
      platform,
      admin,
      db,
      n8n: { ...n8n, pid: n8nProcess.pid, database },
      n8nProxy,
      railway,
      gateway,
      workRoot,
      pulumiBackendUrl,
      controllers,
      startController: start,
      async killController(c) {
        process.kill(c.pid, 'SIGKILL');
        await waitFor(async () => !alive(c.pid), {
          timeoutMs: 10_000,
          describe: () => `pid ${c.pid} survived SIGKILL`,
        });
        controllers.splice(controllers.indexOf(c), 1);
      },
      async stop() {
        admin.close();
        await db.end();
        await platform.stop();
      },
    };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kubeConfigOf(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** The namespace of the departments' OAuth client Secrets (each labelled for its department: departments.ts). */
async function oauthClientSecret(kubeconfig: string): Promise<void> {
  const manifests = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: OAUTH_NAMESPACE } }];
  for (const m of manifests) await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', '-'], JSON.stringify(m));
}
