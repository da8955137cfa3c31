import { isNotFound } from '../../controller/platform/kube/rest-client.ts';
import type { DepartmentClient } from '../provisioning/department-client.ts';

export const DEFAULT_QUERIES_PER_MINUTE = 10;

export type LimitFor = (department: string) => Promise<number>;

/**
 * Each department's spec.gateway.rateLimitPerMinute, read from its Department (the gateway may get
 * Departments) and cached for `ttlMs`; the default when the Department does not set it or does not exist.
 */
export function departmentLimits(opts: { departments: DepartmentClient; ttlMs?: number; fallback?: number }): LimitFor {
  const ttl = opts.ttlMs ?? 30_000;
  const fallback = opts.fallback ?? DEFAULT_QUERIES_PER_MINUTE;
  const cache = new Map<string, { limit: number; at: number }>();
  return async function limitFor(department) {
    const hit = cache.get(department);
    if (hit && Date.now() - hit.at < ttl) return hit.limit;
    let limit = fallback;
    try {
      limit = (await opts.departments.get(department)).spec.gateway?.rateLimitPerMinute ?? fallback;
    } catch (err) {
      if (!isNotFound(err)) {
        if (hit) return hit.limit; // the API server is briefly unavailable: keep the last known limit
        throw err;
      }
    }
    cache.set(department, { limit, at: Date.now() });
    return limit;
  };
}
