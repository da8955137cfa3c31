// The Federation controller: `node --import tsx controller/main.ts` (KUBECONFIG or in-cluster config).
import { KubeConfig } from '@kubernetes/client-node';
import { namespaceComponent } from '../reconcilers/namespace/component.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { Manager } from './manager.ts';

const log = createLogger();
const config = loadConfig();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();

const manager = new Manager({
  kubeConfig,
  config,
  components: [namespaceComponent],
  log,
  onLeadershipLost: () => process.exit(1),
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { signal });
  const finished = await manager.stop();
  log.info('stopped', { inFlightFinished: finished });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await manager.start();
log.info('controller started', { metricsPort: manager.port, identity: config.POD_NAME, workers: config.WORKERS });
