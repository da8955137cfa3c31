import type { Server } from 'node:http';
import { DEPARTMENT_LABEL } from '../../crds/names.ts';
import { Informer } from './cache/informer.ts';
import type { Component, DepartmentObject } from './component.ts';
import type { ControllerConfig } from './config.ts';
import { Controller } from './controller.ts';
import { DepartmentReconciler } from './department/reconciler.ts';
import type { OnReconciled } from './department/report.ts';
import { EventSink } from './events.ts';
import { type GrantObject, GrantReconciler, type GrantSyncer } from './grant/reconciler.ts';
import { startHealthServer } from './health-server.ts';
import { type KubeApi, type KubeObject, paths } from './kube-api.ts';
import { LeaderElector } from './leader/leader-elector.ts';
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
    this.departmentController = new Controller('department', deptQueue, departmentReconciler, this.metrics, log);
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
          deptQueue.add(obj.metadata.name);
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
      if (dept) deptQueue.add(dept);
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
    this.metrics.phases = () => this.departments.list().map((d) => d.status?.phase ?? 'Pending');
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : true;
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
    if (this.elector) {
      this.metrics.leader.set({ name: config.LEASE_NAME }, 0);
      await this.elector.run(() => {
        this.metrics.leader.set({ name: config.LEASE_NAME }, 0);
        void this.stopReconciling();
        this.opts.onLeadershipLost?.();
      });
      this.metrics.leader.set({ name: config.LEASE_NAME }, 1);
    }
    if (this.stopping) return;
    this.started = true;
    this.departmentController.start();
    this.grantController.start();
    for (const c of this.opts.components) {
      if (c.watch) this.componentWatches.push(c.watch((name) => this.departmentController.enqueue(name)));
    }
    this.resyncAll();
    this.resyncTimer = setInterval(() => this.resyncAll(), config.RESYNC_PERIOD);
    this.resyncTimer.unref();
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
    for (const d of this.departments.list()) this.departmentController.enqueue(d.metadata.name);
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
    await this.elector?.release();
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
