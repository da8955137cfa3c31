import { TerminalError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { ControllerMetrics } from './metrics.ts';
import type { WorkQueue } from './queue/work-queue.ts';
import type { Reconciler } from './reconcile-result.ts';
import { redactSecrets } from './redact.ts';

/** Drives one reconciler from its work queue with controller-runtime's result handling and metrics. */
export class Controller {
  private readonly abort = new AbortController();

  constructor(
    readonly name: string,
    readonly queue: WorkQueue,
    private readonly reconciler: Reconciler,
    private readonly metrics: ControllerMetrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    const labels = { controller: this.name };
    this.metrics.maxConcurrentReconciles.set(labels, this.queue.workerCount);
    this.metrics.activeWorkers.set(labels, 0);
    // Every series exists from the start, as in controller-runtime, so a rate() over them never starts absent.
    for (const result of ['success', 'error', 'requeue_after'])
      this.metrics.reconcileTotal.inc({ ...labels, result }, 0);
    this.metrics.reconcileErrors.inc(labels, 0);
    this.metrics.terminalReconcileErrors.inc(labels, 0);
    this.queue.start((key) => this.process(key));
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Stops taking work and waits for in-flight reconciles up to the deadline. */
  async stop(deadlineMs: number): Promise<boolean> {
    const finished = await this.queue.shutdown(deadlineMs);
    if (!finished) this.abort.abort();
    return finished;
  }

  private async process(key: string): Promise<void> {
    const end = this.metrics.reconcileTime.startTimer({ controller: this.name });
    const labels = { controller: this.name };
    this.metrics.activeWorkers.inc(labels);
    try {
      const result = await this.reconciler.reconcile(key, this.abort.signal);
      this.queue.forget(key);
      if (result.requeueAfterMs !== undefined) {
        this.queue.addAfter(key, result.requeueAfterMs);
        this.metrics.reconcileTotal.inc({ ...labels, result: 'requeue_after' });
      } else {
        this.metrics.reconcileTotal.inc({ ...labels, result: 'success' });
      }
    } catch (err) {
      this.metrics.reconcileTotal.inc({ ...labels, result: 'error' });
      this.metrics.reconcileErrors.inc(labels);
      const message = redactSecrets(err instanceof Error ? err.message : String(err));
      if (err instanceof TerminalError) {
        this.metrics.terminalReconcileErrors.inc(labels);
        this.queue.forget(key);
        this.log.error('reconcile failed terminally', { key, reason: err.reason, error: message });
      } else {
        const retryInMs = Math.round(this.queue.addRateLimited(key));
        this.log.warn('reconcile failed, retrying', { key, error: message, retryInMs });
      }
    } finally {
      this.metrics.activeWorkers.dec(labels);
      end();
    }
  }
}
