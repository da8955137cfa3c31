import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestObserver, RequestThrottle } from './kube-api.ts';
import type { QueueMetrics } from './queue/work-queue.ts';
import type { TokenBucket } from './throttle/token-bucket.ts';

/** client-go's buckets for the work queue's durations (10 ns to 10 s, times ten each), with longer reconciles. */
const WORK_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 30, 60, 300];

/**
 * Metric names follow controller-runtime's and client-go's, so existing dashboards and alerts work unchanged. The
 * product registers its own metrics on `registry`, so that one scrape serves both.
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller',
    labelNames: ['controller', 'result'],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly terminalReconcileErrors = new Counter({
    name: 'controller_runtime_terminal_reconcile_errors_total',
    help: 'Total number of terminal reconciliation errors per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Number of currently used workers per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly maxConcurrentReconciles = new Gauge({
    name: 'controller_runtime_max_concurrent_reconciles',
    help: 'Maximum number of concurrent reconciles per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueDuration = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested',
    labelNames: ['name'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
    registers: [this.registry],
  });
  readonly workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes',
    labelNames: ['name'],
    buckets: WORK_BUCKETS,
    registers: [this.registry],
  });
  /** Per queue: the start times (ms) of the items being worked on now. */
  private readonly inProgress = new Map<string, () => Iterable<number>>();
  readonly unfinishedWork: Gauge<'name'> = new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help:
      'How many seconds of work has been done that is in progress and has not been observed by work_duration. ' +
      'Large values indicate stuck threads.',
    labelNames: ['name'],
    registers: [this.registry],
    collect: () => this.collectInProgress(this.unfinishedWork, (ages) => ages.reduce((a, b) => a + b, 0)),
  });
  readonly longestRunningProcessor: Gauge<'name'> = new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'How many seconds has the longest running processor for workqueue been running.',
    labelNames: ['name'],
    registers: [this.registry],
    collect: () => this.collectInProgress(this.longestRunningProcessor, (ages) => Math.max(0, ...ages)),
  });
  readonly rateLimiterDuration = new Histogram({
    name: 'rest_client_rate_limiter_duration_seconds',
    help: 'Client side rate limiter latency in seconds. Broken down by verb and host.',
    labelNames: ['verb', 'host'],
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [this.registry],
  });
  readonly restRequests = new Counter({
    name: 'rest_client_requests_total',
    help: 'Number of HTTP requests to the API server, partitioned by method and status code',
    labelNames: ['method', 'code'],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'leader_election_master_status',
    help: 'Whether this replica currently holds the leader lease (1) or not (0)',
    labelNames: ['name'],
    registers: [this.registry],
  });

  /** A RequestObserver: counts every API request. */
  readonly observeRequest: RequestObserver = (method, code) => {
    this.restRequests.inc({ method, code: String(code) });
  };

  forQueue(name: string): QueueMetrics {
    return {
      depth: (n) => this.queueDepth.set({ name }, n),
      added: () => this.queueAdds.inc({ name }),
      retried: () => this.queueRetries.inc({ name }),
      waited: (s) => this.queueDuration.observe({ name }, s),
      worked: (s) => this.workDuration.observe({ name }, s),
      inProgress: (startedAt) => this.inProgress.set(name, startedAt),
    };
  }

  /** A RequestThrottle on `bucket` that records every wait, zero included, as client-go does. */
  throttle(bucket: TokenBucket): RequestThrottle {
    return async (verb, host, signal) => {
      const waited = await bucket.wait(signal);
      this.rateLimiterDuration.observe({ verb, host }, waited);
    };
  }

  /**
   * Node's process and runtime metrics (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, nodejs_heap_*,
   * ...) on this registry. Once per process: the event-loop and GC monitors it starts live as long as the process.
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  private collectInProgress(gauge: Gauge<'name'>, summarize: (ages: number[]) => number): void {
    const now = Date.now();
    for (const [name, startedAt] of this.inProgress) {
      gauge.set({ name }, summarize(Array.from(startedAt(), (at) => (now - at) / 1000)));
    }
  }
}

/** The resource (with subresource) a REST path addresses: /apis/g/v/departments/x/status -> departments/status. */
export function resourceOf(path: string): string {
  const parts = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  const resource = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  return [resource[0], resource[2]].filter(Boolean).join('/');
}
