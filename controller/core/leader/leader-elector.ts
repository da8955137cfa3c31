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
}

export const defaultLeaderElection = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

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

  /** Stops renewing and, when leading, releases the lease (holder cleared, duration 1 s). */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
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

  private async tryAcquireOrRenew(): Promise<boolean> {
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
        const created = await this.client.create<Lease>(
          paths.leases(namespace),
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
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
      const spec: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: microTime(now),
        acquireTime: holder === identity ? current.spec.acquireTime : microTime(now),
        leaseTransitions: (current.spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
      };
      const renewed = await this.client.replace<Lease>(paths.lease(namespace, name), {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: current.metadata,
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
    const record = JSON.stringify(lease.spec);
    if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
