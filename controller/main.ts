// The Federation controller (KUBECONFIG or in-cluster config); `node dist/controller/main.js` in the image.
import { KubeConfig } from '@kubernetes/client-node';
import { buildPlatform } from './components.ts';
import { departmentController } from './department/controller.ts';
import { grantController } from './grant/controller.ts';
import { RestClient } from './platform/kube/rest-client.ts';
import { createLogger } from './platform/logging/log.ts';
import { FederationMetrics } from './platform/metrics/federation-metrics.ts';
import { runUntilSignalled } from './platform/process/run-until-signalled.ts';
import { loadConfig } from './runtime/config.ts';
import { observeAll } from './runtime/kube-api.ts';
import { Manager } from './runtime/manager.ts';
import { ControllerMetrics } from './runtime/metrics.ts';
import { apiThrottle } from './runtime/throttle/api-throttle.ts';

const log = createLogger({ component: 'federation-controller' });
const config = loadConfig();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const metrics = new ControllerMetrics();
metrics.collectProcessMetrics();
const federation = new FederationMetrics(metrics.registry);
const kube = new RestClient(
  kubeConfig,
  observeAll(metrics.observeRequest, federation.countWrite),
  apiThrottle(config, metrics),
);
const platform = await buildPlatform({
  env: process.env,
  workers: config.WORKERS,
  log,
  kube,
  countRequest: federation.countExternalRequest,
  metrics: federation,
});

const manager = new Manager({
  kube,
  metrics,
  observer: federation,
  config,
  log,
  controllers: [
    departmentController({
      components: platform.components,
      onReconciled: platform.onDepartmentReconciled,
      exportPhases: (phases) => {
        federation.phases = phases;
      },
    }),
    grantController({ syncers: platform.grantSyncers }),
  ],
  leaderTasks: platform.leaderTasks,
  onLeadershipLost: () => process.exit(1),
});

await runUntilSignalled(manager, { log, close: platform.close });
log.info('controller started', {
  metricsPort: manager.port,
  identity: config.identity,
  workers: config.WORKERS,
  components: platform.components.map((c) => c.name),
});
