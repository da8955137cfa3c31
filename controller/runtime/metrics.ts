import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestThrottle } from './kube-api.ts';
import type { QueueMetrics } from './queue/work-queue.ts';
import type { TokenBucket } from './throttle/token-bucket.ts';

/** client-go's buckets for the work queue's durations (10 ns to 10 s, times ten each), with longer reconciles. */
const WORK_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 30, 60, 300];

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
  readonly apiWrites = new Counter({
    name: 'federation_api_writes_total',
    help: 'Writes (POST, PUT, PATCH, DELETE) to the API server by resource',
    labelNames: ['resource'],
    registers: [this.registry],
  });
  /** Set by the Department controller (controller/department/controller.ts): its cache's phases, read at scrape time. */
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

  readonly engineRuns = new Counter({
    name: 'federation_engine_runs_total',
    help: 'Pulumi engine runs that ended, by kind (create, update, repair, check, delete) and result',
    labelNames: ['kind', 'result'],
    registers: [this.registry],
  });
  readonly engineRunDuration = new Histogram({
    name: 'federation_engine_run_duration_seconds',
    help: 'How long Pulumi engine runs took, by kind, failed ones included',
    labelNames: ['kind'],
    buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [this.registry],
  });

  /** Set by the wiring: how many watched agents the health monitor judges as each verdict, read at scrape time. */
  agentVerdicts: () => Record<string, number> = () => ({});
  readonly agents: Gauge<'verdict'> = new Gauge({
    name: 'federation_agents',
    help: "Deployed agents by the health monitor's verdict (the AgentHealthy reason: Healthy, Unreachable, ...)",
    labelNames: ['verdict'],
    registers: [this.registry],
    collect: () => {
      this.agents.reset();
      for (const [verdict, count] of Object.entries(this.agentVerdicts())) this.agents.set({ verdict }, count);
    },
  });

  readonly auditBrokenLinks = new Gauge({
    name: 'federation_audit_broken_links',
    help: 'Broken links the last audit verification found (chains inside the database and the digests outside)',
    registers: [this.registry],
  });
  readonly auditVerifyLastSuccess = new Gauge({
    name: 'federation_audit_verify_last_success_timestamp_seconds',
    help: 'When the audit chains were last verified to the end (0: not on this replica since it started)',
    registers: [this.registry],
  });

  readonly oauthTokenExpiry = new Gauge({
    name: 'federation_oauth_token_expiry_timestamp_seconds',
    help: "When each department's stored Google access token expires (the earliest of its services)",
    labelNames: ['department'],
    registers: [this.registry],
  });

  readonly gatewayTokenExpiry = new Gauge({
    name: 'federation_gateway_token_expiry_timestamp_seconds',
    help: "When each department's agent token for the gateway (Secret gateway-token) expires",
    labelNames: ['department'],
    registers: [this.registry],
  });

  /** The department's gateway token in use expires at `expiresAt`; undefined: it has none any more. */
  readonly observeGatewayToken = (department: string, expiresAt: Date | undefined): void => {
    if (expiresAt) this.gatewayTokenExpiry.set({ department }, expiresAt.getTime() / 1000);
    else this.gatewayTokenExpiry.remove({ department });
  };

  /** An engine run ended after `seconds`. */
  readonly observeEngineRun = (kind: string, result: 'success' | 'error', seconds: number): void => {
    this.engineRuns.inc({ kind, result });
    this.engineRunDuration.observe({ kind }, seconds);
  };

  /** An audit verification ran to the end and found `brokenLinks` (0: every chain and digest holds). */
  readonly observeAuditVerify = (brokenLinks: number, at = new Date()): void => {
    this.auditBrokenLinks.set(brokenLinks);
    this.auditVerifyLastSuccess.set(at.getTime() / 1000);
  };

  /** The departments' token expiries as read now; a department no longer listed loses its series. */
  readonly setOAuthTokenExpiries = (expiries: { department: string; expiresAt: Date }[]): void => {
    this.oauthTokenExpiry.reset();
    for (const { department, expiresAt } of expiries) {
      this.oauthTokenExpiry.set({ department }, expiresAt.getTime() / 1000);
    }
  };

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
