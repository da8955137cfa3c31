import type { Server } from 'node:http';
import { DEPARTMENT_LABEL, departmentShard, pinnedShard, SHARD_LABEL } from '../../crds/names.ts';
import { DepartmentReconciler } from '../department/reconciler.ts';
import type { OnReconciled } from '../department/report.ts';
import { type GrantObject, GrantReconciler, type GrantSyncer } from '../grant/reconciler.ts';
import { Informer } from './cache/informer.ts';
import type { Component, DepartmentObject } from './component.ts';
import type { ControllerConfig } from './config.ts';
import { Controller } from './controller.ts';
import { EventSink } from './events.ts';
import { startHealthServer } from './health-server.ts';
import { type KubeApi, type KubeObject, paths } from './kube-api.ts';
import { LeaderElector } from './leader/leader-elector.ts';
import { ShardLeases } from './leader/shard-leases.ts';
import type { Logger } from './logger.ts';
import { ControllerMetrics } from './metrics.ts';
import { ItemBackoff } from './queue/backoff.ts';
import { WorkQueue } from './queue/work-queue.ts';
import { redactSecrets } from './redact.ts';

/** Periodic work only the leader does (retention, credential upkeep); started on election, stopped on loss. */
export interface LeaderTask {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

export interface ManagerOptions {
  /**
   * The one client every reconcile, cache, lease and Event goes through; it should report its requests to
   * `metrics.observeRequest` so rest_client_requests_total counts all of them.
   */
  kube: KubeApi & { close(): void };
  metrics?: ControllerMetrics;
  config: ControllerConfig;
  components: Component[];
  grantSyncers?: GrantSyncer[];
  leaderTasks?: LeaderTask[];
  /** Told about every Department reconcile (see DepartmentReconcilerDeps.onReconciled). */
  onDepartmentReconciled?: OnReconciled;
  log: Logger;
  /** Called when leadership is lost (the process should exit, as controller-runtime does). */
  onLeadershipLost?: () => void;
}

/** Wires caches, work queues, reconcilers, leader election and the health/metrics server together. */
export class Manager {
  readonly metrics: ControllerMetrics;
  readonly client: KubeApi & { close(): void };
  readonly departments: Informer<DepartmentObject>;
  readonly grants: Informer<GrantObject>;
  private readonly owned: Informer<KubeObject>[];
  readonly departmentController: Controller;
  readonly grantController: Controller;
  private readonly elector: LeaderElector | undefined;
  /** SHARDS > 1: the shard Leases this replica holds decide which Departments it reconciles. */
  private readonly shards: ShardLeases | undefined;
  private readonly inFlightByShard = new Map<number, number>();
  private server: Server | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly taskTimers: NodeJS.Timeout[] = [];
  private readonly componentWatches: (() => void)[] = [];
  private started = false;
  port = 0;

  constructor(private readonly opts: ManagerOptions) {
    const { config, log } = opts;
    this.metrics = opts.metrics ?? new ControllerMetrics();
    this.client = opts.kube;
    const events = new EventSink(this.client, config.identity, log);
    const backoff = () => new ItemBackoff({ baseMs: config.BACKOFF_BASE, maxMs: config.BACKOFF_MAX });
    const deptQueue = new WorkQueue({
      workers: config.WORKERS,
      backoff: backoff(),
      metrics: this.metrics.forQueue('department'),
    });
    const grantQueue = new WorkQueue({
      workers: config.WORKERS,
      backoff: backoff(),
      metrics: this.metrics.forQueue('crossdepartmentgrant'),
    });

    const departmentReconciler = new DepartmentReconciler({
      client: this.client,
      get: (name) => this.departments.get(name),
      components: opts.components,
      events,
      log: log.child({ controller: 'department' }),
      failures: (name) => deptQueue.retries(name),
      onReconciled: opts.onDepartmentReconciled,
    });
    // Checked again when a key is taken (requeues and retries were added while the shard may have been owned).
    const shardedReconciler = {
      reconcile: async (name: string, signal: AbortSignal) => {
        if (!this.ownsDepartment(name)) return {};
        const shard = this.shardOf(name);
        this.inFlightByShard.set(shard, (this.inFlightByShard.get(shard) ?? 0) + 1);
        try {
          return await departmentReconciler.reconcile(name, signal);
        } finally {
          this.inFlightByShard.set(shard, (this.inFlightByShard.get(shard) ?? 1) - 1);
        }
      },
    };
    this.departmentController = new Controller(
      'department',
      deptQueue,
      config.SHARDS > 1 ? shardedReconciler : departmentReconciler,
      this.metrics,
      log,
    );
    const grantReconciler = new GrantReconciler({
      client: this.client,
      get: (name) => this.grants.get(name),
      departmentExists: (name) => {
        const d = this.departments.get(name);
        return d !== undefined && !d.metadata.deletionTimestamp;
      },
      syncers: opts.grantSyncers ?? [],
      events,
    });
    this.grantController = new Controller('crossdepartmentgrant', grantQueue, grantReconciler, this.metrics, log);

    const enqueueGrantsOf = (dept: string) => {
      for (const g of this.grants.list()) {
        if (g.spec.sourceDepartment === dept || g.spec.targetDepartment === dept) grantQueue.add(g.metadata.name);
      }
    };
    this.departments = new Informer<DepartmentObject>(
      this.client,
      paths.departments,
      {
        onUpsert: (obj, old) => {
          if (!old || old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp)
            enqueueGrantsOf(obj.metadata.name);
          if (old && !specOrMetaChanged(old, obj)) return;
          this.warnOnBadShardLabel(obj, old);
          this.enqueueDepartment(obj.metadata.name);
        },
        onDelete: (obj) => enqueueGrantsOf(obj.metadata.name),
      },
      log,
      config.WATCH_LABEL_SELECTOR,
    );
    this.grants = new Informer<GrantObject>(
      this.client,
      paths.grants,
      {
        onUpsert: (obj, old) => {
          if (!old || specOrMetaChanged(old, obj)) grantQueue.add(obj.metadata.name);
        },
        onDelete: () => {},
      },
      log,
      config.WATCH_LABEL_SELECTOR,
    );
    const toOwner = (obj: KubeObject) => {
      const dept = obj.metadata.labels?.[DEPARTMENT_LABEL];
      if (dept) this.enqueueDepartment(dept);
    };
    this.owned = [paths.namespaces, paths.secrets].map(
      (path) =>
        new Informer<KubeObject>(this.client, path, { onUpsert: toOwner, onDelete: toOwner }, log, DEPARTMENT_LABEL),
    );
    this.elector = config.LEADER_ELECT
      ? new LeaderElector(
          this.client,
          {
            namespace: config.LEASE_NAMESPACE,
            name: config.LEASE_NAME,
            identity: config.identity,
            leaseDurationMs: config.LEASE_DURATION,
            renewDeadlineMs: config.RENEW_DEADLINE,
            retryPeriodMs: config.RETRY_PERIOD,
          },
          log,
        )
      : undefined;
    this.shards =
      config.SHARDS > 1
        ? new ShardLeases(
            this.client,
            {
              namespace: config.LEASE_NAMESPACE,
              name: config.LEASE_NAME,
              shards: config.SHARDS,
              home: config.homeShard,
              identity: config.identity,
              leaseDurationMs: config.LEASE_DURATION,
              renewDeadlineMs: config.RENEW_DEADLINE,
              retryPeriodMs: config.RETRY_PERIOD,
            },
            {
              acquired: (shard) => {
                this.metrics.shardsHeld.set(this.shards?.ownedShards.length ?? 0);
                for (const d of this.departments.list()) {
                  if (this.shardOf(d.metadata.name) === shard) deptQueue.add(d.metadata.name);
                }
              },
              lost: () => this.metrics.shardsHeld.set(this.shards?.ownedShards.length ?? 0),
              inFlight: (shard) => this.inFlightByShard.get(shard) ?? 0,
            },
            log,
          )
        : undefined;
    this.metrics.phases = () => this.departments.list().map((d) => d.status?.phase ?? 'Pending');
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : true;
  }

  /** The shards whose Departments this replica reconciles now (all of them without sharding). */
  get ownedShards(): number[] {
    return this.shards ? this.shards.ownedShards : [0];
  }

  shardOf(name: string): number {
    const labels = this.departments.get(name)?.metadata.labels;
    return departmentShard(name, this.opts.config.SHARDS, labels?.[SHARD_LABEL]);
  }

  private ownsDepartment(name: string): boolean {
    return this.shards ? this.shards.owns(this.shardOf(name)) : true;
  }

  /** Every way a Department gets queued (watches, owned objects, components, resync) goes through here. */
  private enqueueDepartment(name: string): void {
    if (this.ownsDepartment(name)) this.departmentController.enqueue(name);
  }

  private warnOnBadShardLabel(obj: DepartmentObject, old: DepartmentObject | undefined): void {
    const label = obj.metadata.labels?.[SHARD_LABEL];
    if (!this.shards || label === undefined || label === old?.metadata.labels?.[SHARD_LABEL]) return;
    if (pinnedShard(label, this.opts.config.SHARDS) === undefined) {
      this.opts.log.warn('ignoring a shard label that is not a shard; the name decides the shard', {
        department: obj.metadata.name,
        label,
        shards: this.opts.config.SHARDS,
      });
    }
  }

  /** Starts serving probes and caches at once; reconciling starts when this replica leads. */
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
    for (const inf of [this.departments, this.grants, ...this.owned]) inf.start();
    await Promise.all([this.departments, this.grants, ...this.owned].map((i) => i.waitForSync()));
    log.info('caches synced', { departments: this.departments.list().length, grants: this.grants.list().length });
    if (this.shards) {
      // Departments follow the shard Leases; the cluster-wide work (grants, leader tasks) stays on the one
      // global Lease (LEASE_NAME), exactly as without sharding.
      this.metrics.shardsHeld.set(0);
      this.startDepartments();
      this.shards.start();
      void this.lead().then((leading) => leading && this.startClusterWork());
      return;
    }
    if (!(await this.lead())) return;
    this.startDepartments();
    this.startClusterWork();
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

  private startDepartments(): void {
    this.started = true;
    this.departmentController.start();
    for (const c of this.opts.components) {
      if (c.watch) this.componentWatches.push(c.watch((name) => this.enqueueDepartment(name)));
    }
    this.resyncAll();
    this.resyncTimer = setInterval(() => this.resyncAll(), this.opts.config.RESYNC_PERIOD);
    this.resyncTimer.unref();
  }

  private startClusterWork(): void {
    this.grantController.start();
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
        this.metrics.leaderTaskRuns.inc({ task: task.name, result: 'success' });
      } catch (err) {
        this.metrics.leaderTaskRuns.inc({ task: task.name, result: 'error' });
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

  private stopping = false;

  cachesSynced(): boolean {
    return [this.departments, this.grants, ...this.owned].every((i) => i.hasSynced);
  }

  private resyncAll(): void {
    for (const d of this.departments.list()) this.enqueueDepartment(d.metadata.name);
    for (const g of this.grants.list()) this.grantController.enqueue(g.metadata.name);
  }

  private async stopReconciling(deadlineMs = 0): Promise<boolean> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const t of this.taskTimers.splice(0)) clearInterval(t);
    for (const stop of this.componentWatches.splice(0)) stop();
    const results = await Promise.all([
      this.departmentController.stop(deadlineMs),
      this.grantController.stop(deadlineMs),
    ]);
    return results.every(Boolean);
  }

  /** Graceful shutdown: stop taking work, let in-flight reconciles finish, release the lease. */
  async stop(): Promise<boolean> {
    this.stopping = true;
    const finished = this.started ? await this.stopReconciling(this.opts.config.SHUTDOWN_TIMEOUT) : true;
    await Promise.all([this.shards?.stop(), this.elector?.release()]);
    for (const inf of [this.departments, this.grants, ...this.owned]) inf.stop();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.client.close();
    return finished;
  }
}

/** Status-only updates (our own writes) do not need another reconcile. */
function specOrMetaChanged(old: KubeObject & { status?: unknown }, obj: KubeObject & { status?: unknown }): boolean {
  const m1 = old.metadata;
  const m2 = obj.metadata;
  return (
    m1.generation !== m2.generation ||
    m1.deletionTimestamp !== m2.deletionTimestamp ||
    JSON.stringify(m1.annotations ?? {}) !== JSON.stringify(m2.annotations ?? {}) ||
    JSON.stringify(m1.labels ?? {}) !== JSON.stringify(m2.labels ?? {}) ||
    JSON.stringify(m1.finalizers ?? []) !== JSON.stringify(m2.finalizers ?? [])
  );
}
