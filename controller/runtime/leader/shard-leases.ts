import type { KubeApi } from '../kube-api.ts';
import type { Logger } from '../logger.ts';
import { type LeaderElectionOptions, LeaderElector, WANTED_BY_ANNOTATION } from './leader-elector.ts';

/** On a shard Lease: the home shard of its holder, so a home replica knows whether to ask for it back. */
export const HOLDER_HOME_ANNOTATION = 'federation.synrg.io/holder-home-shard';

export interface ShardLeasesOptions extends Omit<LeaderElectionOptions, 'name' | 'annotations'> {
  /** Lease `<name>-shard-<i>` per shard. */
  name: string;
  shards: number;
  /** The shard contended for at once; the others are taken only after their Lease expired. */
  home: number | undefined;
}

export interface ShardOwner {
  /** This replica now owns the shard: enqueue its objects. */
  acquired(shard: number): void;
  /** This replica no longer owns the shard: stop taking its objects. */
  lost(shard: number): void;
  /** Reconciles of the shard's objects still running here (a hand-back waits for them). */
  inFlight(shard: number): number;
}

export function shardLeaseName(name: string, shard: number): string {
  return `${name}-shard-${shard}`;
}

/**
 * One LeaderElector per shard, driven by one loop every retryPeriod. The home shard's Lease is taken as soon as
 * it is free; any other shard's Lease once it went unrenewed (or missing) for a lease duration, so a dead
 * replica's shard is taken over. A home replica that finds its shard held by a replica of another home asks for
 * it back (WANTED_BY_ANNOTATION); the holder stops taking that shard's work, waits for its in-flight reconciles
 * and releases the Lease, so a shard never has two replicas reconciling it after a hand-back.
 */
export class ShardLeases {
  private readonly electors: LeaderElector[];
  private readonly owned = new Set<number>();
  private readonly handingBack = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    client: KubeApi,
    private readonly opts: ShardLeasesOptions,
    private readonly owner: ShardOwner,
    private readonly log: Logger,
  ) {
    const annotations = { [HOLDER_HOME_ANNOTATION]: opts.home === undefined ? 'none' : String(opts.home) };
    this.electors = Array.from(
      { length: opts.shards },
      (_, shard) => new LeaderElector(client, { ...opts, name: shardLeaseName(opts.name, shard), annotations }, log),
    );
  }

  /** Whether this replica reconciles the shard's objects now. */
  owns(shard: number): boolean {
    return this.owned.has(shard);
  }

  get ownedShards(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.ticking = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.opts.retryPeriodMs * (1 + Math.random() * 0.2));
      });
    };
    loop();
  }

  /** Stops the loop and releases every Lease held (graceful shutdown; a crash lets them expire instead). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    for (const shard of this.owned) this.owner.lost(shard);
    this.owned.clear();
    await Promise.all(this.electors.map((e) => e.release()));
  }

  private async tick(): Promise<void> {
    await Promise.all(this.electors.map((elector, shard) => this.step(elector, shard)));
  }

  private async step(elector: LeaderElector, shard: number): Promise<void> {
    const home = shard === this.opts.home;
    const change = await elector.attempt(!home);
    if (this.stopped) return;
    if (!elector.isLeader) this.handingBack.delete(shard);
    const lease = elector.lease;
    if (change === 'acquired') {
      this.owned.add(shard);
      this.log.info('acquired shard', { shard, lease: lease?.metadata.name, identity: this.opts.identity });
      this.owner.acquired(shard);
    } else if (change === 'lost') {
      this.lose(shard);
      this.log.error('lost shard: its lease could not be renewed', { shard, identity: this.opts.identity });
    }
    if (elector.isLeader && !home && lease?.metadata.annotations?.[WANTED_BY_ANNOTATION]) {
      if (!this.handingBack.has(shard)) {
        this.handingBack.add(shard);
        this.lose(shard);
        this.log.info('handing shard back to its home replica', {
          shard,
          to: lease.metadata.annotations[WANTED_BY_ANNOTATION],
        });
      }
      if (this.owner.inFlight(shard) === 0) {
        await elector.relinquish();
        this.handingBack.delete(shard);
      }
      return;
    }
    const holder = lease?.spec.holderIdentity;
    if (home && !elector.isLeader && holder && lease.metadata.annotations?.[HOLDER_HOME_ANNOTATION] !== String(shard)) {
      await elector.requestHandBack();
    }
  }

  private lose(shard: number): void {
    if (!this.owned.delete(shard)) return;
    this.owner.lost(shard);
  }
}
