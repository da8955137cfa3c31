// The Federation controller (KUBECONFIG or in-cluster config); `node dist/controller/main.js` in the image.
import { KubeConfig } from '@kubernetes/client-node';
import { buildPlatform } from './components.ts';
import { RestClient } from './platform/kube/rest-client.ts';
import { createLogger } from './platform/logging/log.ts';
import { handleFatalErrors } from './platform/process/fatal-errors.ts';
import { loadConfig } from './runtime/config.ts';
import { Manager } from './runtime/manager.ts';
import { ControllerMetrics } from './runtime/metrics.ts';
import { apiThrottle } from './runtime/throttle/api-throttle.ts';

const log = createLogger({ component: 'federation-controller' });
const config = loadConfig();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const metrics = new ControllerMetrics();
metrics.collectProcessMetrics();
const kube = new RestClient(kubeConfig, metrics.observeRequest, apiThrottle(config, metrics));
const platform = await buildPlatform({
  env: process.env,
  workers: config.WORKERS,
  log,
  kube,
  countRequest: (service) => metrics.externalRequests.inc({ service }),
  metrics,
});

const manager = new Manager({
  kube,
  metrics,
  config,
  components: platform.components,
  grantSyncers: platform.grantSyncers,
  onDepartmentReconciled: platform.onDepartmentReconciled,
  leaderTasks: platform.leaderTasks,
  log,
  onLeadershipLost: () => process.exit(1),
});

let stopping = false;
async function shutdown(reason: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { reason });
  const finished = await manager.stop().catch((err: Error) => {
    log.error('stop failed', { error: err.message });
    return false;
  });
  await platform.close().catch((err: Error) => log.error('closing failed', { error: err.message }));
  log.info('stopped', { inFlightFinished: finished });
  process.exit(code);
}
handleFatalErrors({ log, shutdown });
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

try {
  await manager.start();
} catch (error) {
  // A start-up failure (the metrics port taken, the API server unreachable) ends the process with one clear line.
  log.error('controller could not start', { error: error instanceof Error ? error.message : String(error) });
  await platform.close();
  process.exit(1);
}
log.info('controller started', {
  metricsPort: manager.port,
  identity: config.identity,
  workers: config.WORKERS,
  components: platform.components.map((c) => c.name),
});
