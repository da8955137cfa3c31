// A controller whose only component records what it reconciles in Postgres, run as its own process so the
// sharding test can SIGKILL it like a crash (controller/runtime/leader/sharding.integration.test.ts).
// env: controller/main.ts's settings (KUBECONFIG, SHARDS, LEASE_*, POD_NAME, ...) plus RECORD_DATABASE_URL, a
// database with the tables shard_reconciles(department, identity, generation) and shard_objects(department, identity).
import { KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { departmentController } from '../../controller/department/controller.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { createLogger } from '../../controller/platform/logging/log.ts';
import { FederationMetrics } from '../../controller/platform/metrics/federation-metrics.ts';
import { loadConfig } from '../../controller/runtime/config.ts';
import { observeAll } from '../../controller/runtime/kube-api.ts';
import { Manager } from '../../controller/runtime/manager.ts';
import { ControllerMetrics } from '../../controller/runtime/metrics.ts';
import type { Component } from '../../reconcilers/component.ts';

const log = createLogger({ component: 'sharded-controller' });
const config = loadConfig();
const pool = new pg.Pool({ connectionString: process.env.RECORD_DATABASE_URL, max: 4 });

/**
 * Logs every apply, and creates one "external object" per Department the careless way (look, wait, create, no
 * unique key): two replicas reconciling the same Department at once would leave two rows.
 */
const recorder: Component = {
  name: 'recorder',
  conditionType: 'RecorderReady',
  dependsOn: [],
  async apply(ctx) {
    const { name, generation } = ctx.department.metadata;
    await pool.query('INSERT INTO shard_reconciles (department, identity, generation) VALUES ($1, $2, $3)', [
      name,
      config.identity,
      generation,
    ]);
    const existing = await pool.query('SELECT 1 FROM shard_objects WHERE department = $1', [name]);
    if (existing.rowCount === 0) {
      await new Promise((r) => setTimeout(r, 20));
      await pool.query('INSERT INTO shard_objects (department, identity) VALUES ($1, $2)', [name, config.identity]);
    }
    return { condition: { status: 'True', reason: 'Recorded', message: 'recorded' } };
  },
  async delete() {
    return { condition: { status: 'False', reason: 'Deleted', message: 'nothing to delete' } };
  },
};

const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const metrics = new ControllerMetrics();
const federation = new FederationMetrics(metrics.registry);
const manager = new Manager({
  kube: new RestClient(kubeConfig, observeAll(metrics.observeRequest, federation.countWrite)),
  metrics,
  observer: federation,
  config,
  controllers: [departmentController({ components: [recorder] })],
  log,
  onLeadershipLost: () => process.exit(1),
});
process.on('SIGTERM', () => {
  void manager.stop().then(async () => {
    await pool.end();
    process.exit(0);
  });
});
await manager.start();
log.info('sharded controller started', { identity: config.identity, homeShard: config.homeShard, port: manager.port });
