// `npm start`: the local Federation platform on embedded defaults, in the foreground until Ctrl-C.
//   npm start                     keeps its state in .federation/data (departments, tenant data, workflows survive)
//   npm start -- --fresh          starts from nothing (removes .federation/data first)
//   npm start -- --production-tree <dir>   runs the controller and the gateway from a production install
import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { PLATFORM_ARTIFACTS } from '../testenv/artifacts.ts';
import { prefetchN8nModules, startN8n } from '../testenv/n8n.ts';
import { type Platform, REPO_ROOT, startPlatform } from '../testenv/platform.ts';
import { prepareAll } from '../testenv/prepare-all.ts';
import { productionTreeAt } from '../testenv/production-tree.ts';
import { ensurePulumiCli } from '../testenv/pulumi-cli.ts';
import { writeWhole } from '../testenv/write-whole.ts';
import { ensureLocalBuild } from './local-build.ts';

// The rest loads once n8n is spawned (or the platform is up without it): @kubernetes/client-node alone takes 2 s
// through tsx on 2 cores, and loading it earlier held up Postgres' callback and so n8n, the start's longest step.
let loading: ReturnType<typeof load> | undefined;
function load() {
  return Promise.all([
    import('@kubernetes/client-node'),
    import('../railway/agent-dependencies.ts'),
    import('../railway/local.ts'),
    import('./controller.ts'),
    import('./gateway.ts'),
    import('./summary.ts'),
  ]);
}
function theRest(): NonNullable<typeof loading> {
  loading ??= load();
  loading.catch(() => {}); // awaited below
  return loading;
}

const { values: flags } = parseArgs({
  options: { 'production-tree': { type: 'string' }, fresh: { type: 'boolean', default: false } },
});
/** `--production-tree <dir>`: run the controller and the gateway from a production install, as their images do. */
const tree = flags['production-tree'] ? productionTreeAt(flags['production-tree']) : undefined;
const stateDir = process.env.FEDERATION_STATE_DIR ?? join(REPO_ROOT, '.federation');
const dataDir = join(stateDir, 'data');
const kubeconfig = join(stateDir, 'kubeconfig');
const localEnv = join(stateDir, 'local.env');

function log(line: string): void {
  process.stdout.write(`[federation] ${line}\n`);
}

const started = Date.now();
// Everything this platform and its servers write (keys, logs, n8n's user folder, Pulumi workspaces) is for this
// account only; the few directories the Postgres server must pass through are opened to 0711 explicitly.
process.umask(0o077);
// Nobody else may list it (its files are 0600); the Postgres server, its own user, passes through to data/.
await mkdir(stateDir, { recursive: true, mode: 0o711 });
await chmod(stateDir, 0o711);
await rm(localEnv, { force: true });
try {
  // Everything slow comes first, with one progress display: no component starts (or waits) during a build.
  await prepareAll(PLATFORM_ARTIFACTS, log);
} catch (err) {
  log((err as Error).message);
  process.exit(1);
}
if (flags.fresh) {
  log(`--fresh: removing the kept state in ${dataDir}`);
  await rm(dataDir, { recursive: true, force: true });
}
const n8nDir = join(dataDir, 'secrets', 'n8n');
// n8n's modules are read ahead while the rest comes up (n8n.ts: prefetchN8nModules).
prefetchN8nModules(n8nDir);
// The controller and the gateway run from the checkout's local build (a production tree brings its own): it is
// brought up to date now, beside the platform's start; startController and startGateway wait for it.
if (!tree) ensureLocalBuild(log).catch(() => {}); // a failure is reported when they wait for it

let platform: Platform | undefined;
// Settles once local.env is written: the agents a kept state brings back start then (see startLocalRailway).
let markReady = () => {};
const platformReady = new Promise<void>((resolve) => {
  markReady = resolve;
});
let stopping = false;
async function shutdown(signal: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  await rm(localEnv, { force: true });
  await platform?.stop();
  clearInterval(keepAlive);
  log('stopped');
  process.exit(code);
}
// Servers are unref'd child processes: keep the launcher alive until a signal arrives.
const keepAlive = setInterval(() => {}, 1 << 30);
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  // n8n boots (the slowest start) as soon as Postgres is up: beside the API server, the CRDs, LiveKit and Railway.
  let n8nStart: ReturnType<typeof startN8n> | undefined;
  let portsChosen: Promise<Record<'n8n' | 'railway' | 'gateway', number>> | undefined;
  platform = await startPlatform({
    installCrds: true,
    applyExamples: true,
    dataDir,
    log,
    onPostgres: ({ databaseUrl, runDir, watchdog, state }) => {
      portsChosen = (state as NonNullable<typeof state>).ports(['n8n', 'railway', 'gateway'] as const);
      n8nStart = (async () => {
        const { n8n: port } = await (portsChosen as NonNullable<typeof portsChosen>);
        return startN8n({
          runDir,
          databaseUrl,
          watchdog,
          log,
          persist: { dir: n8nDir, port },
          // Restart n8n when its readiness keeps failing (it has stayed down after its database sessions were killed).
          supervise: {},
          onSpawned: theRest,
        });
      })();
      n8nStart.catch(() => {}); // awaited below; a failure before then is reported there, not as unhandled
    },
  });
  await copyFile(platform.kubeconfig, kubeconfig);
  await chmod(kubeconfig, 0o600);
  const ports = await (portsChosen as NonNullable<typeof portsChosen>);
  const [
    { KubeConfig },
    { startAgentDependencies },
    { startLocalRailway },
    { startController, storeN8nSecret, writeControllerKubeconfig },
    { startGateway },
    { examplePhases, printSummary },
  ] = await theRest();
  // The gateway needs only its database Secret (kept from the last run, or written by the controller on a first
  // one), so it starts beside n8n rather than after the controller: the two slowest starts overlap. The
  // controller's ServiceAccount kubeconfig is written meanwhile too, so that it starts as soon as n8n serves.
  const gatewayStart = startGateway(platform, ports.gateway, tree, true);
  gatewayStart.catch(() => {}); // awaited below; a failure before then is reported there, not as unhandled
  const controllerKubeconfig = writeControllerKubeconfig(platform);
  controllerKubeconfig.catch(() => {}); // awaited below
  const adminConfig = new KubeConfig();
  adminConfig.loadFromFile(platform.kubeconfig);
  // Department agents: livekit-server, provider stand-ins, and Railway running the agent image.
  const agents = await startAgentDependencies({
    runDir: platform.runDir,
    watchdog: platform.watchdog,
    log,
    ...(platform.state ? { state: platform.state } : {}),
  });
  platform.onStop(agents.stop);
  log(`livekit-server ${agents.livekit.url}; provider stand-ins at ${agents.providers.url}`);
  const railway = await startLocalRailway(adminConfig, {
    port: ports.railway,
    stateFile: join(dataDir, 'secrets', 'railway.json'),
    agents: {
      runDir: platform.runDir,
      watchdog: platform.watchdog,
      platformSecretData: agents.platformSecretData,
      log,
      resumeAfter: platformReady,
    },
  });
  platform.onStop(() => railway.server.stop());
  log(`local Railway-compatible API at ${railway.env.RAILWAY_API_URL} (runs the agent image as processes)`);
  const pulumi = await ensurePulumiCli();
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const n8n = await (n8nStart as NonNullable<typeof n8nStart>);
  platform.onStop(n8n.stop);
  log(`n8n ${n8n.url} ready (owner ${n8n.ownerEmail})`);
  // After n8n, not beside it on the kept API key: measured twice, that made the start slower on 2 cores (the
  // controller's first reconciles compete with n8n's boot): 22-26 s to local.env against 19-21 s.
  const [controller] = await Promise.all([
    startController(
      platform,
      {
        GATEWAY_URL: gatewayUrl,
        ...(tree ? {} : { PULUMI_CLI_ROOT: pulumi.root, PULUMI_HOME: pulumi.pulumiHome }),
        N8N_URL: n8n.url,
        N8N_API_KEY: n8n.apiKey,
        N8N_WEBHOOK_BASE_URL: `${n8n.url}/webhook`,
        ...railway.env,
        ...(tree ? {} : { RUNTIME_WORK_DIR: join(dataDir, 'pulumi') }),
        // Agents are probed every 15 s here (the seed's 5 minutes in a cluster).
        AGENT_HEALTH_INTERVAL: '15s',
      },
      tree,
      controllerKubeconfig,
      true,
    ),
    storeN8nSecret(platform.kubeconfig, n8n),
  ]);
  log(
    `controller running as ServiceAccount federation-system/federation-controller (metrics ${controller.metricsUrl})`,
  );
  const gateway = await gatewayStart;
  log(`gateway ${gateway.url} (ServiceAccount federation-system/federation-gateway, database role federation_gateway)`);

  // Whole or not at all: scripts (and the tests) read local.env as soon as it exists.
  await writeWhole(
    localEnv,
    [
      `KUBECONFIG=${kubeconfig}`,
      `DATABASE_URL=${platform.databaseUrl}`,
      `FEDERATION_RUN_DIR=${platform.runDir}`,
      `FEDERATION_DATA_DIR=${dataDir}`,
      `CONTROLLER_METRICS_URL=${controller.metricsUrl}`,
      `N8N_URL=${n8n.url}`,
      `RAILWAY_API_URL=${railway.env.RAILWAY_API_URL}`,
      `GATEWAY_URL=${gateway.url}`,
      `LIVEKIT_URL=${agents.livekit.url}`,
      // The key and secret are in the runtime platform Secret (keys LIVEKIT_API_KEY, LIVEKIT_API_SECRET).
      `LIVEKIT_API_KEYS_SECRET=${railway.env.RUNTIME_PLATFORM_SECRET}`,
      '',
    ].join('\n'),
  );
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (local.env written)`);
  markReady();
  const rel = kubeconfig.startsWith(process.cwd()) ? relative(process.cwd(), kubeconfig) : kubeconfig;
  printSummary(log, {
    components: [
      ['API server', platform.controlPlane.server],
      ['Postgres', platform.postgres.embedded ? `embedded, kept in ${dataDir}` : 'DATABASE_URL'],
      ['n8n', n8n.url],
      ['Railway (local)', railway.env.RAILWAY_API_URL],
      ['LiveKit', agents.livekit.url],
      ['provider stand-ins', agents.providers.url],
      ['controller', controller.metricsUrl],
      ['gateway', gateway.url],
    ],
    departments: await examplePhases(kubeconfig),
    hints: [
      `kubectl --kubeconfig ${rel} get departments,crossdepartmentgrants`,
      `export KUBECONFIG=${kubeconfig}; kubectl explain department.spec`,
      `curl ${gateway.url}/openapi.json`,
      `kubectl --kubeconfig ${rel} get dept -o custom-columns=NAME:.metadata.name,AGENT:.status.conditions[?(@.type=="AgentHealthy")].reason`,
      `logs: ${platform.runDir}/*.log; connection strings: ${localEnv}`,
    ],
  });
  log('Ctrl-C stops everything (state is kept; npm start -- --fresh starts over).');
} catch (err) {
  log(`the local platform did not come up: ${(err as Error).message}`);
  await shutdown('failure', 1);
}
