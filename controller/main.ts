// The Federation controller: `node --import tsx controller/main.ts` (KUBECONFIG or in-cluster config).
import { KubeConfig } from '@kubernetes/client-node';
import { buildPlatform } from './components.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { Manager } from './manager.ts';

const log = createLogger();
const config = loadConfig();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const platform = await buildPlatform(process.env, config.WORKERS, log, kubeConfig);

const manager = new Manager({
  kubeConfig,
  config,
  components: platform.components,
  grantSyncers: platform.grantSyncers,
  log,
  onLeadershipLost: () => process.exit(1),
});

const timers: NodeJS.Timeout[] = [];
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { signal });
  for (const t of timers) clearInterval(t);
  const finished = await manager.stop();
  await platform.close();
  log.info('stopped', { inFlightFinished: finished });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await manager.start();
log.info('controller started', {
  metricsPort: manager.port,
  identity: config.POD_NAME,
  workers: config.WORKERS,
  components: platform.components.map((c) => c.name),
});
for (const task of platform.leaderTasks) {
  const run = () =>
    task.run().then(
      () => log.info('scheduled task finished', { task: task.name }),
      (err) => log.error('scheduled task failed', { task: task.name, error: String(err) }),
    );
  timers.push(setInterval(run, task.everyMs));
  void run();
}
