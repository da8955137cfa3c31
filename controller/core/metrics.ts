import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueMetrics } from './queue/work-queue.ts';

/** Metric names follow controller-runtime's, so existing dashboards and alerts work unchanged. */
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
  readonly restRequests = new Counter({
    name: 'rest_client_requests_total',
    help: 'Number of HTTP requests to the API server, partitioned by method and status code',
    labelNames: ['method', 'code'],
    registers: [this.registry],
  });
  readonly apiWrites = new Counter({
    name: 'federation_api_writes_total',
    help: 'Writes (POST, PUT, PATCH, DELETE) to the API server by resource',
    labelNames: ['resource'],
    registers: [this.registry],
  });
  /** Set by the manager: the current Departments' phases, read at scrape time. */
  phases: () => string[] = () => [];
  readonly departments: Gauge<'phase'> = new Gauge({
    name: 'federation_departments',
    help: 'Number of Departments by phase',
    labelNames: ['phase'],
    registers: [this.registry],
    collect: () => {
      this.departments.reset();
      for (const phase of this.phases()) this.departments.inc({ phase });
    },
  });
  readonly leader = new Gauge({
    name: 'leader_election_master_status',
    help: 'Whether this replica currently holds the leader lease (1) or not (0)',
    labelNames: ['name'],
    registers: [this.registry],
  });

  readonly shardsHeld = new Gauge({
    name: 'federation_shards_held',
    help: 'How many Department shards this replica reconciles now (SHARDS > 1; deploy/README.md "Sharding")',
    registers: [this.registry],
  });

  readonly leaderTaskRuns = new Counter({
    name: 'federation_leader_task_runs_total',
    help: 'Runs of the leader-only periodic tasks, by task and result',
    labelNames: ['task', 'result'],
    registers: [this.registry],
  });

  readonly externalRequests = new Counter({
    name: 'federation_external_requests_total',
    help: 'Requests components made to services outside Kubernetes, by service (n8n, ...)',
    labelNames: ['service'],
    registers: [this.registry],
  });

  /** A RequestObserver: counts every API request, and writes by resource. */
  readonly observeRequest = (method: string, code: number, path: string): void => {
    this.restRequests.inc({ method, code: String(code) });
    if (method !== 'GET') this.apiWrites.inc({ resource: resourceOf(path) });
  };

  forQueue(name: string): QueueMetrics {
    return {
      depth: (n) => this.queueDepth.set({ name }, n),
      added: () => this.queueAdds.inc({ name }),
      retried: () => this.queueRetries.inc({ name }),
      waited: (s) => this.queueDuration.observe({ name }, s),
    };
  }
}

/** The resource (with subresource) a REST path addresses: /apis/g/v/departments/x/status -> departments/status. */
export function resourceOf(path: string): string {
  const parts = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  const resource = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  return [resource[0], resource[2]].filter(Boolean).join('/');
}
