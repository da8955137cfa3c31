import PQueue from 'p-queue';
import { ItemBackoff } from './backoff.ts';

export interface QueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
  /** How long a key waited between being added and being taken by a worker. */
  waited(seconds: number): void;
  /** How long the handler worked on a key. */
  worked(seconds: number): void;
  /** The work in progress, read when the metrics are scraped: the start times (ms) of the keys being worked on. */
  inProgress(startedAt: () => Iterable<number>): void;
}

const noMetrics: QueueMetrics = { depth() {}, added() {}, retried() {}, waited() {}, worked() {}, inProgress() {} };

export interface WorkQueueOptions {
  workers: number;
  backoff?: ItemBackoff;
  metrics?: QueueMetrics;
}

/**
 * client-go's work queue semantics: a key waits in the queue at most once (dirty set), is never
 * processed by two workers at once (a key added while in flight runs again after it finishes),
 * is retried with per-key backoff, and can be scheduled for later. Workers run on a p-queue.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  /** The keys being worked on, with the time (ms) each was taken. */
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly workers: PQueue;
  private readonly backoff: ItemBackoff;
  private readonly metrics: QueueMetrics;
  private shuttingDown = false;
  private handler: ((key: string) => Promise<void>) | undefined;

  constructor(opts: WorkQueueOptions) {
    this.workers = new PQueue({ concurrency: opts.workers });
    this.backoff = opts.backoff ?? new ItemBackoff();
    this.metrics = opts.metrics ?? noMetrics;
    this.metrics.inProgress(() => this.processing.values());
  }

  /** Starts handing keys to `handler`; it decides on retries through the queue's methods. */
  start(handler: (key: string) => Promise<void>): void {
    this.handler = handler;
    this.pump();
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics.added();
    this.dirty.add(key);
    this.addedAt.set(key, Date.now());
    if (!this.processing.has(key)) {
      this.queue.push(key);
      this.metrics.depth(this.queue.length);
      this.pump();
    }
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  addRateLimited(key: string): number {
    this.metrics.retried();
    const delay = this.backoff.next(key);
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void {
    this.backoff.forget(key);
  }

  retries(key: string): number {
    return this.backoff.retries(key);
  }

  get length(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  /** How many keys are worked on at once at most. */
  get workerCount(): number {
    return this.workers.concurrency;
  }

  /** Stops taking work, then waits for in-flight keys up to `deadlineMs`; true when they all finished. */
  async shutdown(deadlineMs: number): Promise<boolean> {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    const idle = this.workers.onIdle().then(() => true);
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), deadlineMs).unref());
    return Promise.race([idle, timeout]);
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.shuttingDown && this.queue.length > 0 && this.processing.size < this.workers.concurrency) {
      const key = this.queue.shift() as string;
      this.metrics.depth(this.queue.length);
      this.dirty.delete(key);
      const taken = Date.now();
      this.processing.set(key, taken);
      const added = this.addedAt.get(key);
      if (added !== undefined) this.metrics.waited((taken - added) / 1000);
      void this.workers.add(async () => {
        try {
          await handler(key);
        } finally {
          this.processing.delete(key);
          this.metrics.worked((Date.now() - taken) / 1000);
          if (this.dirty.has(key) && !this.shuttingDown) {
            this.queue.push(key);
            this.metrics.depth(this.queue.length);
          }
          queueMicrotask(() => this.pump());
        }
      });
    }
  }
}
