// `npm start`: the local Federation platform on embedded defaults, in the foreground until Ctrl-C.
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REPO_ROOT, startPlatform } from '../testenv/platform.ts';
import { startController } from './controller.ts';

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
const controller = await startController(platform);
log(`controller running as ServiceAccount federation-system/federation-controller (metrics ${controller.metricsUrl})`);

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
log('Ctrl-C stops everything.');
