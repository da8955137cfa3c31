export interface N8nHealthState {
  ok: boolean;
  /** What failed (no request data), when not ok. */
  detail: string;
  /** Since when n8n has been in this state (epoch ms). */
  since: number;
}

export interface N8nHealthOptions {
  /** How long a healthy answer is reused (default 10 s). */
  healthyTtlMs?: number;
  /** How long an unhealthy answer is reused (default 2 s): a requeued crowd of departments shares one probe. */
  unhealthyTtlMs?: number;
  timeoutMs?: number;
  onProbe?: () => void;
}

/**
 * One view of n8n's health for every department the component reconciles: `/healthz/readiness` (200 once
 * n8n's database connection is up and migrated), probed at most once per TTL however many departments ask,
 * and marked down at once when an API call finds n8n unreachable. The departments' reconciles consult it before
 * they call n8n, so an outage is one probe per TTL and one announcement, not a retry storm per department.
 */
export class N8nHealth {
  private state: N8nHealthState = { ok: true, detail: '', since: Date.now() };
  private checkedAt = 0;
  private probing: Promise<N8nHealthState> | undefined;
  private announced = true;

  constructor(
    private readonly url: string,
    private readonly opts: N8nHealthOptions = {},
  ) {}

  async check(): Promise<N8nHealthState> {
    const ttl = this.state.ok ? (this.opts.healthyTtlMs ?? 10_000) : (this.opts.unhealthyTtlMs ?? 2_000);
    if (Date.now() - this.checkedAt < ttl) return this.state;
    this.probing ??= this.probe().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  /** An API call found n8n unreachable: every department sees it down until a probe says otherwise. */
  markDown(detail: string): void {
    this.set(false, detail);
  }

  /**
   * True for exactly one caller per change of state (and never for the first healthy state): that caller
   * records the one Event about the outage or the recovery.
   */
  claimAnnouncement(state: N8nHealthState): boolean {
    if (this.announced === state.ok) return false;
    this.announced = state.ok;
    return true;
  }

  private async probe(): Promise<N8nHealthState> {
    this.opts.onProbe?.();
    try {
      const res = await fetch(`${this.url.replace(/\/+$/, '')}/healthz/readiness`, {
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000),
      });
      await res.body?.cancel();
      this.set(res.ok, res.ok ? '' : `its readiness check answers ${res.status}`);
    } catch (error) {
      const name = (error as Error).name;
      this.set(false, name === 'TimeoutError' ? 'its readiness check does not answer' : 'it refuses connections');
    }
    return this.state;
  }

  private set(ok: boolean, detail: string): void {
    if (ok !== this.state.ok) this.state = { ok, detail, since: Date.now() };
    else if (!ok) this.state = { ...this.state, detail };
    this.checkedAt = Date.now();
  }
}
