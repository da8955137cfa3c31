import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { condition } from '../../testenv/admin-client.ts';
import { createDepartments, getDepartment, healthOf, names, waitActive } from '../departments.ts';
import type { FaultPlatform } from '../platform.ts';
import { type CaseReport, seconds } from '../report.ts';
import { deleteAndExpectNoOrphans } from './cleanup.ts';

/** Each phase lasts at least this long, and until every department's RuntimeReady names it. */
export const PHASE_MS = 30_000;
const PHASE_MAX_MS = 150_000;
/**
 * Calls to Railway allowed while it fails, for 2 departments: each call is tried at most 8 times
 * (pulumi/railway/client.ts), one stack operation per department runs at a time, and the work queue backs failed
 * reconciles off exponentially. A retry storm would be thousands.
 */
export const MAX_CALLS_WHILE_FAILING = 600;

/** Polls RuntimeReady until every department has shown `reason` and `minMs` passed; returns what it saw. */
async function phase(fp: FaultPlatform, depts: string[], reason: string, minMs: number): Promise<string[]> {
  const started = Date.now();
  const seen = new Map<string, string>();
  while (Date.now() - started < PHASE_MAX_MS && (Date.now() - started < minMs || seen.size < depts.length)) {
    for (const d of await Promise.all(depts.map((n) => getDepartment(fp, n)))) {
      const runtime = d && condition(d, 'RuntimeReady');
      if (d && runtime?.status === 'False' && runtime.reason === reason) seen.set(d.metadata.name, runtime.message);
    }
    await sleep(500);
  }
  return [...seen.values()];
}

/**
 * Case 3: Railway answers 5xx, then 429 with Retry-After, while 2 Departments provision: each phase lasts 30 s
 * and until both departments' RuntimeReady names it (the first runs cannot start before the database is ready).
 */
export async function railwayFailing(fp: FaultPlatform, report: CaseReport): Promise<void> {
  const depts = names('rw', 2);
  const { faults, requestLog } = fp.railway.server;
  const before = requestLog.length;
  faults.errorRate = 1;
  const started = Date.now();
  let unavailable: string[];
  let limited: string[];
  try {
    await createDepartments(fp, depts);
    unavailable = await phase(fp, depts, 'RailwayUnavailable', PHASE_MS);
    faults.errorRate = 0;
    faults.rateLimitRate = 1; // 429 with Retry-After: 1
    const second = Date.now();
    limited = await phase(fp, depts, 'RailwayRateLimited', PHASE_MS);
    report.figures['5xx for'] = `${seconds(second - started)} s`;
    report.figures['429 for'] = `${seconds(Date.now() - second)} s`;
  } finally {
    faults.reset();
  }
  const calls = requestLog.length - before;
  report.figures['Railway calls while failing'] = calls;

  const removed = Date.now();
  await waitActive(fp, depts, 300_000);
  report.convergeSeconds = seconds(Date.now() - removed);
  expect(unavailable).toHaveLength(2);
  expect(unavailable.every((m) => /^Railway is unavailable \(HTTP 503 on [\w, -]+\); retrying$/.test(m))).toBe(true);
  expect(limited).toHaveLength(2);
  expect(limited.every((m) => /^Railway is rate-limiting us \(HTTP 429 on [\w, -]+\); retrying$/.test(m))).toBe(true);
  expect(calls).toBeGreaterThan(0); // counted, not just unrecorded
  expect(calls).toBeLessThan(MAX_CALLS_WHILE_FAILING);
  expect(await healthOf(fp, depts)).toEqual([]);
  await deleteAndExpectNoOrphans(fp, depts);
}
