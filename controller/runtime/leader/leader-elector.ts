import { FIELD_MANAGER } from '../../../crds/names.ts';
import { ApiError, isConflict, isNotFound, type KubeApi, paths } from '../kube-api.ts';
import type { Logger } from '../logger.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Written on the Lease with every acquire and renewal (the shards say which shard the holder calls home). */
  annotations?: Record<string, string>;
}

export const defaultLeaderElection = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

export interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec: LeaseSpec;
}

/** Set by a shard's home replica on a Lease another replica holds: "give it back" (see ShardLeases). */
export const WANTED_BY_ANNOTATION = 'federation.synrg.io/wanted-by';

function microTime(d = new Date()): string {
  return d.toISOString().replace('Z', '000Z');
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics: a lease held by
 * someone else is taken over only after it went unrenewed for leaseDuration as observed locally
 * (no trust in other clocks); the leader renews every retryPeriod and gives up when it could not
 * renew within renewDeadline; on graceful shutdown it releases the lease so a standby takes over at once.
 */
export class LeaderElector {
  private observed: { record: string; at: number } | undefined;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  /** The Lease as last read or written. */
  lease: Lease | undefined;

  constructor(
    private readonly client: KubeApi,
    private readonly opts: LeaderElectionOptions,
    private readonly log: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Resolves once this replica leads; `onLost` runs if it later loses the lease. */
  async run(onLost: () => void): Promise<void> {
    while (!this.stopped && !(await this.tryAcquireOrRenew())) {
      await sleep(this.opts.retryPeriodMs * (1 + Math.random() * 0.2));
    }
    if (this.stopped) return;
    this.leading = true;
    this.log.info('became leader', { lease: this.opts.name, identity: this.opts.identity });
    let lastRenew = Date.now();
    const renew = async () => {
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew();
      if (ok) lastRenew = Date.now();
      if (!ok && Date.now() - lastRenew > this.opts.renewDeadlineMs) {
        this.leading = false;
        this.log.error('leader election lost', { lease: this.opts.name, identity: this.opts.identity });
        onLost();
        return;
      }
      this.timer = setTimeout(renew, this.opts.retryPeriodMs);
    };
    this.timer = setTimeout(renew, this.opts.retryPeriodMs);
  }

  /**
   * One acquire-or-renew attempt for callers that drive their own loop (ShardLeases). `patient`: take the Lease
   * only once it went unchanged for leaseDuration even when it is free or missing (a standby for a shard whose
   * home replica should get it first). Returns 'acquired' or 'lost' when leadership changed.
   */
  async attempt(patient: boolean): Promise<'acquired' | 'lost' | undefined> {
    if (this.stopped) return undefined;
    if (await this.tryAcquireOrRenew(patient)) {
      this.lastRenew = Date.now();
      if (this.leading) return undefined;
      this.leading = true;
      return 'acquired';
    }
    if (this.leading && Date.now() - this.lastRenew > this.opts.renewDeadlineMs) {
      this.leading = false;
      return 'lost';
    }
    return undefined;
  }

  /** Asks the holder to hand the Lease over (WANTED_BY_ANNOTATION); the holder decides at its next renewal. */
  async requestHandBack(): Promise<void> {
    const path = paths.lease(this.opts.namespace, this.opts.name);
    try {
      const current = await this.client.get<Lease>(path);
      if (current.metadata.annotations?.[WANTED_BY_ANNOTATION]) return;
      const annotations = { ...current.metadata.annotations, [WANTED_BY_ANNOTATION]: this.opts.identity };
      this.lease = await this.client.replace<Lease>(path, {
        ...current,
        metadata: { ...current.metadata, annotations },
      });
    } catch (err) {
      if (!(err instanceof ApiError)) this.log.warn('could not ask for the lease', { error: String(err) });
    }
  }

  /** Stops renewing and, when leading, releases the lease (holder cleared, duration 1 s). */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.relinquish();
  }

  /** Releases the lease when leading but keeps the elector usable: a later `attempt` may take it again. */
  async relinquish(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    const path = paths.lease(this.opts.namespace, this.opts.name);
    // Re-read first: a renewal may have been in flight, so our copy can be one version behind.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const current = await this.client.get<Lease>(path);
        if (current.spec.holderIdentity !== this.opts.identity) return;
        await this.client.replace(path, {
          ...current,
          spec: {
            ...current.spec,
            holderIdentity: null,
            leaseDurationSeconds: 1,
            renewTime: microTime(),
            acquireTime: null,
          },
        });
        this.log.info('released leader lease', { lease: this.opts.name });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt === 2) {
          this.log.warn('could not release leader lease; it expires on its own', { error: String(err) });
          return;
        }
      }
    }
  }

  private async tryAcquireOrRenew(patient = false): Promise<boolean> {
    const now = new Date();
    const { namespace, name, identity } = this.opts;
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    let current: Lease | undefined;
    try {
      current = await this.client.get<Lease>(paths.lease(namespace, name));
    } catch (err) {
      if (!isNotFound(err)) return false;
    }
    try {
      if (!current) {
        // A patient standby creates a missing Lease only after it stayed missing for a lease duration.
        if (patient && !this.unchangedFor('absent')) return false;
        const created = await this.client.create<Lease>(
          paths.leases(namespace),
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace, annotations: this.opts.annotations },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
          FIELD_MANAGER,
        );
        this.observe(created);
        return true;
      }
      this.observe(current);
      const holder = current.spec.holderIdentity;
      const heldByOther = holder && holder !== identity;
      const expired =
        this.observed !== undefined &&
        Date.now() - this.observed.at > (current.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (heldByOther && !expired) return false;
      if (patient && !holder && !this.unchangedFor(JSON.stringify(current.spec))) return false;
      const spec: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: microTime(now),
        acquireTime: holder === identity ? current.spec.acquireTime : microTime(now),
        leaseTransitions: (current.spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
      };
      const annotations = { ...current.metadata.annotations, ...this.opts.annotations };
      // A new holder clears a hand-back request: it is either the replica that asked, or the asker is gone.
      if (holder !== identity) delete annotations[WANTED_BY_ANNOTATION];
      const renewed = await this.client.replace<Lease>(paths.lease(namespace, name), {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { ...current.metadata, annotations },
        spec,
      });
      this.observe(renewed);
      return true;
    } catch (err) {
      if (!(err instanceof ApiError)) this.log.warn('lease update failed', { error: String(err) });
      return false;
    }
  }

  /** Remembers when the lease record last changed, by our own clock. */
  private observe(lease: Lease): void {
    this.lease = lease;
    const record = JSON.stringify(lease.spec);
    if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
  }

  /** Whether the record (a Lease's spec, or 'absent') has stayed the same for a lease duration by our clock. */
  private unchangedFor(record: string): boolean {
    if (record === 'absent') this.lease = undefined;
    if (this.observed?.record !== record) {
      this.observed = { record, at: Date.now() };
      return false;
    }
    return Date.now() - this.observed.at > this.opts.leaseDurationMs;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
