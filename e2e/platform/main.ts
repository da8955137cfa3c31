// `npm start`: the local Federation platform on embedded defaults, in the foreground until Ctrl-C.
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startAgentDependencies } from '../railway/agent-dependencies.ts';
import { startLocalRailway } from '../railway/local.ts';
import { startN8n } from '../testenv/n8n.ts';
import { REPO_ROOT, startPlatform } from '../testenv/platform.ts';
import { freePort } from '../testenv/ports.ts';
import { ensurePulumiCli } from '../testenv/pulumi-cli.ts';
import { startController, storeN8nSecret } from './controller.ts';
import { startGateway } from './gateway.ts';

const stateDir = process.env.FEDERATION_STATE_DIR ?? join(REPO_ROOT, '.federation');
const kubeconfig = join(stateDir, 'kubeconfig');
const localEnv = join(stateDir, 'local.env');

function log(line: string): void {
  process.stdout.write(`[federation] ${line}\n`);
}

const started = Date.now();
await mkdir(stateDir, { recursive: true });
await rm(localEnv, { force: true });
const platform = await startPlatform({ installCrds: true, applyExamples: true, log });
await copyFile(platform.kubeconfig, kubeconfig);
const n8n = await startN8n({
  runDir: platform.runDir,
  databaseUrl: platform.databaseUrl,
  watchdog: platform.watchdog,
  log,
});
platform.onStop(n8n.stop);
log(`n8n ${n8n.url} ready (owner ${n8n.ownerEmail})`);
const adminConfig = new KubeConfig();
adminConfig.loadFromFile(platform.kubeconfig);
// Department agents (issue 11): livekit-server, provider stand-ins, and Railway running the agent image.
const agents = await startAgentDependencies({ runDir: platform.runDir, watchdog: platform.watchdog, log });
platform.onStop(agents.stop);
log(`livekit-server ${agents.livekit.url}; provider stand-ins at ${agents.providers.url}`);
const railway = await startLocalRailway(adminConfig, {
  agents: { runDir: platform.runDir, watchdog: platform.watchdog, platformSecretData: agents.platformSecretData, log },
});
platform.onStop(() => railway.server.stop());
log(`local Railway-compatible API at ${railway.env.RAILWAY_API_URL} (runs the agent image as processes)`);
const pulumi = await ensurePulumiCli();
const gatewayPort = await freePort();
const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
const controller = await startController(platform, {
  GATEWAY_URL: gatewayUrl,
  PULUMI_CLI_ROOT: pulumi.root,
  PULUMI_HOME: pulumi.pulumiHome,
  N8N_URL: n8n.url,
  N8N_API_KEY: n8n.apiKey,
  N8N_WEBHOOK_BASE_URL: `${n8n.url}/webhook`,
  ...railway.env,
  RUNTIME_WORK_DIR: join(stateDir, 'pulumi'),
  // Agents are probed every 15 s here (the seed's 5 minutes in a cluster); settled stacks re-checked each minute.
  AGENT_HEALTH_INTERVAL: '15s',
  RUNTIME_RECHECK_MS: '60000',
});
await storeN8nSecret(platform.kubeconfig, n8n);
log(`controller running as ServiceAccount federation-system/federation-controller (metrics ${controller.metricsUrl})`);
const gateway = await startGateway({ kubeconfig: platform.kubeconfig, port: gatewayPort });
platform.onStop(gateway.stop);
log(`gateway ${gateway.url} (ServiceAccount federation-system/federation-gateway, database role federation_gateway)`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  await rm(localEnv, { force: true });
  await platform.stop();
  clearInterval(keepAlive);
  log('stopped');
  process.exit(0);
}
// Servers are unref'd child processes: keep the launcher alive until a signal arrives.
const keepAlive = setInterval(() => {}, 1 << 30);
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

await writeFile(
  localEnv,
  [
    `KUBECONFIG=${kubeconfig}`,
    `DATABASE_URL=${platform.databaseUrl}`,
    `FEDERATION_RUN_DIR=${platform.runDir}`,
    `CONTROLLER_METRICS_URL=${controller.metricsUrl}`,
    `N8N_URL=${n8n.url}`,
    `RAILWAY_API_URL=${railway.env.RAILWAY_API_URL}`,
    `GATEWAY_URL=${gateway.url}`,
    `LIVEKIT_URL=${agents.livekit.url}`,
    // The key and secret are in the runtime platform Secret (keys LIVEKIT_API_KEY, LIVEKIT_API_SECRET).
    `LIVEKIT_API_KEYS_SECRET=${railway.env.RUNTIME_PLATFORM_SECRET}`,
    '',
  ].join('\n'),
  { mode: 0o600 },
);
const rel = kubeconfig.startsWith(process.cwd()) ? relative(process.cwd(), kubeconfig) : kubeconfig;
log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
log(`API server: ${platform.controlPlane.server}`);
log(`Postgres:   ${platform.postgres.embedded ? 'embedded' : 'DATABASE_URL'} (connection string in ${localEnv})`);
log(`Logs:       ${platform.runDir}/*.log`);
log('Try:');
log(`  kubectl --kubeconfig ${rel} get departments,crossdepartmentgrants`);
log(`  export KUBECONFIG=${kubeconfig}; kubectl explain department.spec`);
log(`  curl ${gateway.url}/openapi.json`);
log(
  `  kubectl --kubeconfig ${rel} get dept -o custom-columns=NAME:.metadata.name,AGENT:.status.conditions[?(@.type=="AgentHealthy")].reason`,
);
log('Ctrl-C stops everything.');
