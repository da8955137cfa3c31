import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface MetricsOptions {
  /**
   * Also Node's process and runtime metrics (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, ...): once per
   * process, as the event-loop and GC monitors they start live as long as the process.
   */
  processMetrics?: boolean;
}

/** The gateway's Prometheus metrics: labels are route patterns and status codes, never ids or tokens. */
export function createMetrics(registry = new Registry(), opts: MetricsOptions = {}) {
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'gateway_http_requests_total',
      help: 'HTTP requests by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and method.',
      labelNames: ['route', 'method'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'gateway_rate_limit_refusals_total',
      help: 'Requests refused by a rate limit, by limit scope.',
      labelNames: ['scope'] as const,
      registers: [registry],
    }),
    auditWriteFailures: new Counter({
      name: 'gateway_audit_write_failures_total',
      help: 'Audit rows that could not be written (the request then failed).',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
