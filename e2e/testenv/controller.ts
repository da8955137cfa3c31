import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { departmentController } from '../../controller/department/controller.ts';
import type { OnReconciled } from '../../controller/department/report.ts';
import { grantController } from '../../controller/grant/controller.ts';
import type { GrantSyncer } from '../../controller/grant/reconciler.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { createLogger } from '../../controller/platform/logging/log.ts';
import { FederationMetrics } from '../../controller/platform/metrics/federation-metrics.ts';
import { loadConfig } from '../../controller/runtime/config.ts';
import { observeAll } from '../../controller/runtime/kube-api.ts';
import { Manager } from '../../controller/runtime/manager.ts';
import { ControllerMetrics } from '../../controller/runtime/metrics.ts';
import type { Component } from '../../reconcilers/component.ts';
import { controllerKubeconfig } from './service-account.ts';

export const TEST_LABEL = 'federation.synrg.io/test-shard';

export interface TestController {
  manager: Manager;
  /** Label every object of this test carries so that only this controller reconciles it. */
  shard: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

/** Runs a controller in-process as the RBAC-bound ServiceAccount, sharded to this test's objects. */
export async function startTestController(
  adminKubeconfig: string,
  opts: {
    components: Component[];
    grantSyncers?: GrantSyncer[];
    onDepartmentReconciled?: OnReconciled;
    env?: Record<string, string>;
  },
): Promise<TestController> {
  const shard = randomBytes(4).toString('hex');
  const kubeconfig = await controllerKubeconfig(
    adminKubeconfig,
    join(mkdtempSync(join(tmpdir(), 'fed-sa-')), 'kubeconfig'),
  );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfig);
  const config = loadConfig({
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    LEASE_NAME: `test-${shard}`,
    WATCH_LABEL_SELECTOR: `${TEST_LABEL}=${shard}`,
    LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const metrics = new ControllerMetrics();
  const federation = new FederationMetrics(metrics.registry);
  const manager = new Manager({
    kube: new RestClient(kubeConfig, observeAll(metrics.observeRequest, federation.countWrite)),
    metrics,
    observer: federation,
    config,
    controllers: [
      departmentController({
        components: opts.components,
        onReconciled: opts.onDepartmentReconciled,
        exportPhases: (phases) => {
          federation.phases = phases;
        },
      }),
      grantController({ syncers: opts.grantSyncers ?? [] }),
    ],
    log: createLogger({ component: 'federation-controller', level: process.env.LOG_LEVEL ?? 'silent' }),
  });
  await manager.start();
  return { manager, shard, kubeconfig, stop: async () => void (await manager.stop()) };
}

/** Sums a counter from Prometheus text, over the series whose labels include `match`. */
export function metricValue(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = line.slice(name.length).match(/^\{([^}]*)\}/)?.[1] ?? '';
    if (Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}
