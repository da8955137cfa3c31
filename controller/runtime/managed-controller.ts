import type { CacheSet } from './cache/cache-set.ts';
import { keyOf } from './cache/informer.ts';
import type { ControllerConfig } from './config.ts';
import { Controller } from './controller.ts';
import type { EventSink } from './events.ts';
import type { KubeApi, KubeObject } from './kube-api.ts';
import type { Logger } from './logger.ts';
import type { ControllerMetrics } from './metrics.ts';
import { ItemBackoff } from './queue/backoff.ts';
import { WorkQueue } from './queue/work-queue.ts';
import type { Reconciler } from './reconcile-result.ts';
import type { CacheReader, ControllerRegistration } from './registration.ts';

export interface ManagedControllerDeps {
  client: KubeApi;
  caches: CacheSet;
  events: EventSink;
  metrics: ControllerMetrics;
  config: ControllerConfig;
  log: Logger;
}

/** One registration at run time: its caches' handlers, work queue, reconciler, shard gate, channels and resync. */
export class ManagedController<T extends KubeObject = KubeObject> {
  readonly name: string;
  private readonly queue: WorkQueue;
  private controller: Controller | undefined;
  /** Set when shard Leases split this controller's keys; without it every key is this replica's. */
  private ownsShard: ((shard: number) => boolean) | undefined;
  private readonly inFlightByShard = new Map<number, number>();
  private readonly channelStops: (() => void)[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(
    private readonly registration: ControllerRegistration<T>,
    private readonly deps: ManagedControllerDeps,
  ) {
    const { config, caches, metrics } = deps;
    this.name = registration.name;
    this.queue = new WorkQueue({
      workers: config.WORKERS,
      backoff: new ItemBackoff({ baseMs: config.BACKOFF_BASE, maxMs: config.BACKOFF_MAX }),
      metrics: metrics.forQueue(registration.name),
    });
    // A deleted object has nothing left to reconcile: its finalizer ran while it was being deleted.
    caches.add<T>(registration.forPath, config.WATCH_LABEL_SELECTOR, {
      onUpsert: (obj, old) => {
        if (old && registration.filter && !registration.filter(obj, old)) return;
        this.reportShardProblem(obj, old);
        this.enqueue(keyOf(obj));
      },
      onDelete: () => {},
    });
    for (const source of registration.watches) {
      const labelSelector = source.labelSelector ?? config.WATCH_LABEL_SELECTOR;
      const map = (object: KubeObject, old: KubeObject | undefined, deleted: boolean) => {
        for (const key of source.map({ object, old, deleted }, caches)) this.enqueue(key);
      };
      caches.add(source.path, labelSelector, {
        onUpsert: (obj, old) => map(obj, old, false),
        onDelete: (obj) => map(obj, undefined, true),
      });
    }
  }

  get sharded(): boolean {
    return this.registration.shard !== undefined;
  }

  private get cache(): CacheReader<T> {
    return this.deps.caches.reader<T>(this.registration.forPath);
  }

  /** Builds the reconciler once every controller's caches exist (a reconciler may read another's). */
  build(): void {
    const { client, caches, events, metrics, log } = this.deps;
    const reconciler = this.registration.reconciler({
      client,
      cache: this.cache,
      caches,
      events,
      metrics,
      log: log.child({ controller: this.name }),
      failures: (key) => this.queue.retries(key),
      resyncPeriodMs: this.deps.config.RESYNC_PERIOD,
    });
    this.controller = new Controller(this.name, this.queue, this.gated(reconciler), metrics, log);
  }

  /** Splits this controller's keys by shard from now on: only the shards `owns` accepts are reconciled here. */
  useShards(owns: (shard: number) => boolean): void {
    this.ownsShard = owns;
  }

  shardOf(key: string): number {
    const spec = this.registration.shard;
    return spec ? spec.of(key, this.cache.get(key), this.deps.config.SHARDS) : 0;
  }

  /** Every way a key gets queued (watches, channels, resync, a shard taken over) goes through here. */
  enqueue(key: string): void {
    if (!this.ownsKey(key)) return;
    this.queue.add(key);
  }

  /** The shard's Lease was taken: its keys are queued. */
  shardAcquired(shard: number): void {
    for (const obj of this.cache.list()) {
      if (this.shardOf(keyOf(obj)) === shard) this.queue.add(keyOf(obj));
    }
  }

  inFlight(shard: number): number {
    return this.inFlightByShard.get(shard) ?? 0;
  }

  get cachedCount(): number {
    return this.cache.list().length;
  }

  start(): void {
    if (!this.controller) throw new Error(`controller ${this.name} started before it was built`);
    this.started = true;
    this.controller.start();
    for (const channel of this.registration.channels) this.channelStops.push(channel((key) => this.enqueue(key)));
    this.resync();
    this.resyncTimer = setInterval(() => this.resync(), this.deps.config.RESYNC_PERIOD);
    this.resyncTimer.unref();
  }

  /** Stops taking work; true when the in-flight reconciles finished within the deadline. */
  async stop(deadlineMs: number): Promise<boolean> {
    if (!this.started || !this.controller) return true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const stop of this.channelStops.splice(0)) stop();
    return this.controller.stop(deadlineMs);
  }

  private resync(): void {
    for (const obj of this.cache.list()) this.enqueue(keyOf(obj));
  }

  private ownsKey(key: string): boolean {
    return this.ownsShard ? this.ownsShard(this.shardOf(key)) : true;
  }

  /** Checked again when a key is taken: requeues and retries were added while the shard may have been owned. */
  private gated(reconciler: Reconciler): Reconciler {
    if (!this.sharded) return reconciler;
    return {
      reconcile: async (key, signal) => {
        if (!this.ownsKey(key)) return {};
        const shard = this.shardOf(key);
        this.inFlightByShard.set(shard, (this.inFlightByShard.get(shard) ?? 0) + 1);
        try {
          return await reconciler.reconcile(key, signal);
        } finally {
          this.inFlightByShard.set(shard, (this.inFlightByShard.get(shard) ?? 1) - 1);
        }
      },
    };
  }

  private reportShardProblem(obj: T, old: T | undefined): void {
    const problem = this.registration.shard?.problem;
    const shards = this.deps.config.SHARDS;
    if (!problem || !this.ownsShard) return;
    const now = problem(obj, shards);
    if (now !== undefined && now !== (old && problem(old, shards))) {
      this.deps.log.warn(now, { controller: this.name, key: keyOf(obj), shards });
    }
  }
}
