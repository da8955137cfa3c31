import type { ManagedProcess } from './managed-process.ts';

export interface SuperviseOptions {
  /** How often n8n's readiness is probed (default 5 s). */
  intervalMs?: number;
  /** Consecutive failed probes before n8n is restarted (default 3). */
  failuresBeforeRestart?: number;
  /** A probe without an answer within this time fails (default 3 s): a stopped or wedged n8n never answers. */
  probeTimeoutMs?: number;
  /** SIGTERM, then SIGKILL after this long (default 10 s): a wedged n8n can ignore SIGTERM for 20 s. */
  stopGraceMs?: number;
}

export interface SupervisedProcess {
  /** Starts a new n8n process with the same settings (port, database, encryption key). */
  start(): ManagedProcess;
  /** Resolves once the process serves its REST API; rejects after a timeout. */
  waitReady(process: ManagedProcess): Promise<void>;
}

/**
 * What a container platform's liveness probe does for n8n on the local platform: n8n can keep answering 503 for
 * more than 15 minutes after its Postgres sessions are terminated, and nothing else restarts it. The
 * supervisor probes `/healthz/readiness` and restarts n8n after `failuresBeforeRestart` failures in a row. The
 * new process uses the same database and encryption key, so the owner, the API key and every workflow and
 * credential survive; active workflows' webhooks are registered again at startup.
 */
export class N8nSupervisor {
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private restarting: Promise<void> | undefined;
  /** Restarts that ended with n8n serving its API again. */
  restarts = 0;

  constructor(
    private current: ManagedProcess,
    private readonly url: string,
    private readonly target: SupervisedProcess,
    private readonly opts: SuperviseOptions,
    private readonly log: (line: string) => void,
  ) {}

  get process(): ManagedProcess {
    return this.current;
  }

  start(): void {
    this.schedule();
  }

  /** Stops probing and n8n; a restart under way starts no further process (see restart()). */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current.stop(graceMs);
    await this.restarting?.catch(() => {});
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.opts.intervalMs ?? 5_000);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const problem = await this.probe();
    if (this.stopped) return;
    this.failures = problem ? this.failures + 1 : 0;
    const limit = this.opts.failuresBeforeRestart ?? 3;
    if (problem && this.failures >= limit) {
      this.log(`[n8n] readiness failed ${this.failures} times in a row (${problem}); restarting n8n`);
      this.restarting = this.restart();
      await this.restarting.catch((error: Error) => this.log(`[n8n] restart failed: ${error.message}`));
      this.restarting = undefined;
      this.failures = 0;
    }
    this.schedule();
  }

  /** Undefined when n8n is ready, else what went wrong. */
  private async probe(): Promise<string | undefined> {
    if (!this.current.running) return 'the process exited';
    try {
      const res = await fetch(`${this.url}/healthz/readiness`, {
        signal: AbortSignal.timeout(this.opts.probeTimeoutMs ?? 3_000),
      });
      await res.body?.cancel();
      return res.ok ? undefined : `readiness answered ${res.status}`;
    } catch (error) {
      return `readiness did not answer: ${(error as Error).name}`;
    }
  }

  private async restart(): Promise<void> {
    await this.current.stop(this.opts.stopGraceMs ?? 10_000);
    if (this.stopped) return;
    this.current = this.target.start();
    await this.target.waitReady(this.current);
    this.restarts++;
    this.log(`[n8n] restarted (restart ${this.restarts}), ready at ${this.url}`);
  }
}
