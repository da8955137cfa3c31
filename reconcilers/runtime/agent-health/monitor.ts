import { HealthReason } from './conditions.ts';
import { type ProbeOptions, type ProbeResult, type ProbeTarget, probeReady } from './probe.ts';
import { type AgentTarget, healthCondition, type Observation, type SideCheck, type Verdict } from './verdict.ts';

/** How often an agent that has not answered healthy since its deployment is probed (when the interval is longer). */
export const STARTING_PROBE_MS = 5_000;

export interface MonitorOptions extends ProbeOptions {
  intervalMs: number;
  startupGraceMs: number;
  /** Injected in tests; probeReady otherwise. */
  probe?: (url: string, opts: ProbeOptions & ProbeTarget) => Promise<ProbeResult>;
  /**
   * The seed's oauth_credentials check of a department, run beside each probe (wired to the oauth component's
   * records); undefined when the department has nothing to check.
   */
  oauth?: (department: string) => Promise<SideCheck | undefined>;
}

interface Watched {
  target: AgentTarget;
  /** The department's gateway token: the agent shows its /ready detail to its bearer only. */
  token?: string | undefined;
  last?: Observation;
  /** The verdict the Department's status shows (what the last reconcile reported). */
  reported?: string;
  /** The reason of the last verdict the monitor reached (AgentHealthy's reason). */
  judged?: string;
}

/** The verdicts a watched agent can have; each is counted, zero included, so a query sees them all. */
const WATCHED_VERDICTS = [
  HealthReason.Healthy,
  HealthReason.DependencyDown,
  HealthReason.Unreachable,
  HealthReason.Starting,
  HealthReason.Draining,
];

/**
 * Probes each deployed agent's /ready every interval (the seed's health monitor) and asks for a reconcile of
 * the Department only when the verdict differs from what its status shows, so steady health costs one HTTP
 * request per agent and interval, and no reconcile.
 */
export class AgentHealthMonitor {
  private readonly agents = new Map<string, Watched>();
  private readonly probe: NonNullable<MonitorOptions['probe']>;

  constructor(readonly opts: MonitorOptions) {
    this.probe = opts.probe ?? probeReady;
  }

  /** Starts watching (or updates) a department's agent; a new URL or deployment restarts its startup grace. */
  watch(department: string, url: string, deploymentId: string | undefined, token?: string): Watched {
    const current = this.agents.get(department);
    if (current && current.target.url === url && current.target.deploymentId === deploymentId) {
      current.token = token;
      return current;
    }
    const watched: Watched = { target: { url, deploymentId, since: Date.now(), everHealthy: false }, token };
    this.agents.set(department, watched);
    return watched;
  }

  unwatch(department: string): void {
    this.agents.delete(department);
  }

  /** The verdict now: the last observation when younger than maxAgeMs, a fresh probe otherwise (0: always fresh). */
  async verdict(department: string, maxAgeMs: number): Promise<Verdict | undefined> {
    const watched = this.agents.get(department);
    if (!watched) return undefined;
    if (!watched.last || Date.now() - watched.last.at >= maxAgeMs) await this.observe(department, watched);
    return this.judge(watched);
  }

  /** Remembers what the Department's status now shows. */
  reported(department: string, verdict: Verdict): void {
    const watched = this.agents.get(department);
    if (watched) watched.reported = verdict.key;
  }

  /**
   * Probes every watched agent that is due (every interval; a starting one every STARTING_PROBE_MS), and
   * enqueues the departments whose verdict changed.
   */
  async probeDue(enqueue: (department: string) => void, now = Date.now()): Promise<void> {
    await Promise.all(
      [...this.agents.entries()].map(async ([department, watched]) => {
        const every = watched.target.everHealthy
          ? this.opts.intervalMs
          : Math.min(this.opts.intervalMs, STARTING_PROBE_MS);
        // A little early rather than a whole tick late: timers drift.
        if (watched.last && now - watched.last.at < every - this.tickMs() / 2) return;
        await this.observe(department, watched);
        if (this.judge(watched).key !== watched.reported) enqueue(department);
      }),
    );
  }

  private tickMs(): number {
    return Math.min(this.opts.intervalMs, STARTING_PROBE_MS);
  }

  /** How many watched agents have each verdict now (federation_agents); agents not judged yet are not counted. */
  verdictCounts(): Record<string, number> {
    const counts: Record<string, number> = Object.fromEntries(WATCHED_VERDICTS.map((v) => [v, 0]));
    for (const { judged } of this.agents.values()) if (judged) counts[judged] = (counts[judged] ?? 0) + 1;
    return counts;
  }

  /** Probes on a timer until the returned function is called. */
  start(enqueue: (department: string) => void): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      void this.probeDue(enqueue).finally(() => {
        running = false;
      });
    }, this.tickMs());
    timer.unref();
    return () => clearInterval(timer);
  }

  private async observe(department: string, watched: Watched): Promise<void> {
    const [result, oauth] = await Promise.all([
      this.probe(watched.target.url, { ...this.opts, token: watched.token }),
      this.checkOAuth(department),
    ]);
    watched.last = { result, oauth, at: Date.now() };
  }

  /** A check that cannot run says so as its result: the condition names it, as for the agent's own checks. */
  private async checkOAuth(department: string): Promise<SideCheck | undefined> {
    if (!this.opts.oauth) return undefined;
    try {
      return await this.opts.oauth(department);
    } catch (err) {
      return { ok: false, message: `the stored OAuth client could not be read: ${(err as Error).message}` };
    }
  }

  private judge(watched: Watched): Verdict {
    const verdict = healthCondition(watched.target, watched.last as Observation, this.opts.startupGraceMs);
    if (verdict.condition.status === 'True') watched.target.everHealthy = true;
    watched.judged = verdict.condition.reason;
    return verdict;
  }
}
