import type { EventSink } from './events.ts';
import type { KubeApi, KubeObject } from './kube-api.ts';
import type { Logger } from './logger.ts';
import type { ControllerMetrics } from './metrics.ts';
import type { Reconciler } from './reconcile-result.ts';

/** One rule of a ClusterRole, as deploy/base/controller-rbac.yaml spells it. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** A read-only view of one informer's cache. */
export interface CacheReader<T extends KubeObject> {
  get(key: string): T | undefined;
  list(): T[];
}

/** Every cache the manager runs, by the collection path it lists and watches. */
export interface Caches {
  reader<T extends KubeObject>(path: string): CacheReader<T>;
}

/** A watched object changed: `old` is the cached copy before an update, `deleted` is true on a delete. */
export interface Change<T extends KubeObject> {
  object: T;
  old?: T;
  deleted: boolean;
}

/** Turns a change of a watched object into the keys of the registration's own kind to reconcile. */
export type MapFunc<T extends KubeObject> = (change: Change<T>, caches: Caches) => Iterable<string>;

/** A kind the controller watches besides its own; `labelSelector` undefined: WATCH_LABEL_SELECTOR applies. */
export interface WatchSource {
  path: string;
  /** Objects created for the reconciled ones carry a label, so their watch is label-selected. */
  labelSelector?: string;
  map: MapFunc<KubeObject>;
}

/** Reconcile requests from outside the API server (controller-runtime's channel source); returns its stop. */
export type ChannelSource = (enqueue: (key: string) => void) => () => void;

/** What the manager hands a registration when it builds the reconciler. */
export interface ReconcilerContext<T extends KubeObject> {
  /** The controller's one counted Kubernetes client. */
  client: KubeApi;
  /** The cache of the reconciled kind. */
  cache: CacheReader<T>;
  caches: Caches;
  events: EventSink;
  log: Logger;
  metrics: ControllerMetrics;
  /** Consecutive failed reconciles of a key so far (from the work queue's backoff). */
  failures(key: string): number;
  /** How often every object is queued again (RESYNC_PERIOD): the longest a reconciler may leave a check unmade. */
  resyncPeriodMs: number;
}

/** Splits a kind's objects over SHARDS shard Leases; a sharded controller reconciles only its shards' keys. */
export interface ShardSpec<T extends KubeObject> {
  /** The shard of a key, from its cached object when there is one. */
  of(key: string, object: T | undefined, shards: number): number;
  /** Why an object's own shard request is ignored (e.g. an invalid shard label); logged when it first appears. */
  problem?(object: T, shards: number): string | undefined;
}

/**
 * One controller as the manager runs it (controller-runtime's builder result): the kind it reconciles (For),
 * the kinds that map onto it (Owns, Watches, channel sources), the API rules it needs, and its reconciler.
 * Unsharded controllers run on the replica holding the global Lease; sharded ones follow the shard Leases.
 */
export interface ControllerRegistration<T extends KubeObject = KubeObject> {
  /** Names the controller's queue, logs and metrics (`controller` label). */
  name: string;
  /** The collection path of the reconciled kind, e.g. /apis/<group>/<version>/<plural>. */
  forPath: string;
  /** Which updates of a reconciled object need a reconcile (default: all). */
  filter?(object: T, old: T | undefined): boolean;
  watches: WatchSource[];
  channels: ChannelSource[];
  shard?: ShardSpec<T>;
  /** Every API rule the reconciler and its sources need (checked against the install's ClusterRole). */
  rbac: PolicyRule[];
  reconciler(ctx: ReconcilerContext<T>): Reconciler;
}
