import type { Server } from 'node:http';
import { CacheSet } from './cache/cache-set.ts';
import type { ControllerConfig } from './config.ts';
import { EventSink } from './events.ts';
import { startHealthServer } from './health-server.ts';
import type { KubeApi } from './kube-api.ts';
import { LeaderElector } from './leader/leader-elector.ts';
import { ShardLeases } from './leader/shard-leases.ts';
import type { Logger } from './logger.ts';
import { ManagedController } from './managed-controller.ts';
import { ControllerMetrics } from './metrics.ts';
import { redactSecrets } from './redact.ts';
import type { ControllerRegistration, PolicyRule } from './registration.ts';

/** Periodic work only the leader does (retention, credential upkeep); started on election, stopped on loss. */
export interface LeaderTask {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/**
 * What the manager itself needs besides the controllers' own rules: Events (cluster-wide, on any object) and the
 * Leases of leader election and sharding (in LEASE_NAMESPACE).
 */
export const MANAGER_RBAC: PolicyRule[] = [
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

/** Told what the manager does that the product may want to export (its own metrics, for one). */
export interface ManagerObserver {
  /** The replica holds `count` shards now (SHARDS > 1). */
  shardsHeld(count: number): void;
  /** A leader task's run ended. */
  leaderTaskRan(task: string, result: 'success' | 'error'): void;
}

export interface ManagerOptions {
  /**
   * The one client every reconcile, cache, lease and Event goes through; it should report its requests to
   * `metrics.observeRequest` so rest_client_requests_total counts all of them.
   */
  kube: KubeApi & { close(): void };
  metrics?: ControllerMetrics;
  observer?: ManagerObserver;
  config: ControllerConfig;
  // biome-ignore lint/suspicious/noExplicitAny: each registration is typed by its own kind
  controllers: ControllerRegistration<any>[];
  leaderTasks?: LeaderTask[];
  log: Logger;
  /** Called when leadership is lost (the process should exit, as controller-runtime does). */
  onLeadershipLost?: () => void;
}

/**
 * Runs the registered controllers: shared caches, a work queue each, leader election (and shard Leases for the
 * sharded ones), leader tasks, and the health/metrics server. It knows no kind of its own.
 */
export class Manager {
  readonly metrics: ControllerMetrics;
  readonly client: KubeApi & { close(): void };
  private readonly caches: CacheSet;
  private readonly controllers: ManagedController[];
  private readonly elector: LeaderElector | undefined;
  /** SHARDS > 1: the shard Leases this replica holds decide which keys its sharded controllers reconcile. */
  private readonly shards: ShardLeases | undefined;
  private server: Server | undefined;
  private readonly taskTimers: NodeJS.Timeout[] = [];
  private stopping = false;
  port = 0;

  constructor(private readonly opts: ManagerOptions) {
    const { config, log } = opts;
    this.metrics = opts.metrics ?? new ControllerMetrics();
    this.client = opts.kube;
    this.caches = new CacheSet(this.client, log);
    const deps = {
      client: this.client,
      caches: this.caches,
      events: new EventSink(this.client, config.identity, log),
      metrics: this.metrics,
      config,
      log,
    };
    this.controllers = opts.controllers.map((registration) => new ManagedController(registration, deps));
    for (const c of this.controllers) c.build();
    const lease = {
      namespace: config.LEASE_NAMESPACE,
      identity: config.identity,
      leaseDurationMs: config.LEASE_DURATION,
      renewDeadlineMs: config.RENEW_DEADLINE,
      retryPeriodMs: config.RETRY_PERIOD,
    };
    this.elector = config.LEADER_ELECT
      ? new LeaderElector(this.client, { ...lease, name: config.LEASE_NAME }, log)
      : undefined;
    const sharded = this.controllers.filter((c) => c.sharded);
    this.shards =
      config.SHARDS > 1 && sharded.length > 0
        ? new ShardLeases(
            this.client,
            { ...lease, name: config.LEASE_NAME, shards: config.SHARDS, home: config.homeShard },
            {
              acquired: (shard) => {
                this.opts.observer?.shardsHeld(this.ownedShards.length);
                for (const c of sharded) c.shardAcquired(shard);
              },
              lost: () => this.opts.observer?.shardsHeld(this.ownedShards.length),
              inFlight: (shard) => sharded.reduce((sum, c) => sum + c.inFlight(shard), 0),
            },
            log,
          )
        : undefined;
    const shards = this.shards;
    if (shards) for (const c of sharded) c.useShards((shard) => shards.owns(shard));
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : true;
  }

  /** The shards whose keys this replica reconciles now (all of them without sharding). */
  get ownedShards(): number[] {
    return this.shards ? this.shards.ownedShards : [0];
  }

  cachesSynced(): boolean {
    return this.caches.synced;
  }

  /** Starts serving probes and caches at once; reconciling starts when this replica leads (or holds shards). */
  async start(): Promise<void> {
    const { config, log } = this.opts;
    const { server, port } = await startHealthServer(
      this.metrics,
      { healthy: () => true, ready: () => this.cachesSynced() },
      config.METRICS_PORT,
      config.METRICS_HOST,
    );
    this.server = server;
    this.port = port;
    await this.caches.start();
    log.info('caches synced', Object.fromEntries(this.controllers.map((c) => [c.name, c.cachedCount])));
    if (this.shards) {
      // Sharded controllers follow the shard Leases; the rest (and the leader tasks) stay on the one global Lease
      // (LEASE_NAME), exactly as without sharding.
      this.opts.observer?.shardsHeld(0);
      for (const c of this.controllers) if (c.sharded) c.start();
      this.shards.start();
      void this.lead().then((leading) => leading && this.startLeaderWork((c) => !c.sharded));
      return;
    }
    if (await this.lead()) this.startLeaderWork(() => true);
  }

  /** Waits for the global Lease (at once without LEADER_ELECT); false when stopped meanwhile. */
  private async lead(): Promise<boolean> {
    const { config } = this.opts;
    if (this.elector) {
      this.metrics.leader.set({ name: config.LEASE_NAME }, 0);
      await this.elector.run(() => {
        this.metrics.leader.set({ name: config.LEASE_NAME }, 0);
        void this.stopReconciling();
        void this.shards?.stop();
        this.opts.onLeadershipLost?.();
      });
      if (this.stopping) return false;
      this.metrics.leader.set({ name: config.LEASE_NAME }, 1);
    }
    return !this.stopping;
  }

  private startLeaderWork(which: (c: ManagedController) => boolean): void {
    for (const c of this.controllers) if (which(c)) c.start();
    for (const task of this.opts.leaderTasks ?? []) this.startTask(task);
  }

  /** Runs a leader task now and every `everyMs`; a failure is logged and counted, and the next run retries. */
  private startTask(task: LeaderTask): void {
    const { log } = this.opts;
    let running = false;
    const run = async () => {
      if (running || !this.isLeader) return;
      running = true;
      try {
        await task.run();
        this.opts.observer?.leaderTaskRan(task.name, 'success');
      } catch (err) {
        this.opts.observer?.leaderTaskRan(task.name, 'error');
        log.error('leader task failed', { task: task.name, error: redactSecrets(String(err)) });
      } finally {
        running = false;
      }
    };
    const timer = setInterval(run, task.everyMs);
    timer.unref();
    this.taskTimers.push(timer);
    void run();
  }

  private async stopReconciling(deadlineMs = 0): Promise<boolean> {
    for (const t of this.taskTimers.splice(0)) clearInterval(t);
    const results = await Promise.all(this.controllers.map((c) => c.stop(deadlineMs)));
    return results.every(Boolean);
  }

  /** Graceful shutdown: stop taking work, let in-flight reconciles finish, release the leases. */
  async stop(): Promise<boolean> {
    this.stopping = true;
    const finished = await this.stopReconciling(this.opts.config.SHUTDOWN_TIMEOUT);
    await Promise.all([this.shards?.stop(), this.elector?.release()]);
    this.caches.stop();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.client.close();
    return finished;
  }
}
