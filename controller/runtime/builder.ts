import type { KubeObject } from './kube-api.ts';
import type { Reconciler } from './reconcile-result.ts';
import type {
  ChannelSource,
  ControllerRegistration,
  MapFunc,
  PolicyRule,
  ReconcilerContext,
  ShardSpec,
} from './registration.ts';

/**
 * Builds a ControllerRegistration the way controller-runtime's builder does:
 * `controllerFor('widget', path).owns(...).watches(...).withRbac(...).complete((ctx) => reconciler)`.
 */
export function controllerFor<T extends KubeObject>(name: string, forPath: string): ControllerBuilder<T> {
  return new ControllerBuilder<T>(name, forPath);
}

export class ControllerBuilder<T extends KubeObject> {
  private readonly registration: Omit<ControllerRegistration<T>, 'reconciler'>;

  constructor(name: string, forPath: string) {
    this.registration = { name, forPath, watches: [], channels: [], rbac: [] };
  }

  /** Which updates of a reconciled object need a reconcile; creates always do, deletes never (see Manager). */
  withEventFilter(filter: (object: T, old: T) => boolean): this {
    this.registration.filter = filter;
    return this;
  }

  /**
   * Objects this controller creates, found by `labelSelector` and mapped to their owner's key by `ownerOf`
   * (a label or an owner reference); any change to one reconciles its owner.
   */
  owns<O extends KubeObject>(
    path: string,
    opts: { labelSelector: string; ownerOf(object: O): string | undefined },
  ): this {
    const map: MapFunc<O> = ({ object }) => {
      const owner = opts.ownerOf(object);
      return owner === undefined ? [] : [owner];
    };
    this.registration.watches.push({ path, labelSelector: opts.labelSelector, map: map as MapFunc<KubeObject> });
    return this;
  }

  /** Another kind whose changes map to keys of this one (WATCH_LABEL_SELECTOR applies to its cache). */
  watches<O extends KubeObject>(path: string, map: MapFunc<O>): this {
    this.registration.watches.push({ path, map: map as MapFunc<KubeObject> });
    return this;
  }

  /** Reconcile requests from outside the API server (e.g. a probe that saw a deployment's health change). */
  watchesChannel(...sources: ChannelSource[]): this {
    this.registration.channels.push(...sources);
    return this;
  }

  /** Splits the reconciled objects over the shard Leases (SHARDS > 1). */
  shardedBy(spec: ShardSpec<T>): this {
    this.registration.shard = spec;
    return this;
  }

  /** The API rules the reconciler and its watches need, declared beside them. */
  withRbac(...rules: PolicyRule[]): this {
    this.registration.rbac.push(...rules);
    return this;
  }

  complete(reconciler: (ctx: ReconcilerContext<T>) => Reconciler): ControllerRegistration<T> {
    return { ...this.registration, reconciler };
  }
}
