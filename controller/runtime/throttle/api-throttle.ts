import type { ControllerConfig } from '../config.ts';
import type { RequestThrottle } from '../kube-api.ts';
import type { ControllerMetrics } from '../metrics.ts';
import { TokenBucket } from './token-bucket.ts';

/**
 * The controller's client-side limit on API server requests (KUBE_API_QPS, KUBE_API_BURST), recorded in
 * rest_client_rate_limiter_duration_seconds; undefined (no limit) when KUBE_API_QPS is 0.
 */
export function apiThrottle(
  config: Pick<ControllerConfig, 'KUBE_API_QPS' | 'KUBE_API_BURST'>,
  metrics: ControllerMetrics,
): RequestThrottle | undefined {
  if (config.KUBE_API_QPS === 0) return undefined;
  return metrics.throttle(new TokenBucket({ qps: config.KUBE_API_QPS, burst: config.KUBE_API_BURST }));
}
