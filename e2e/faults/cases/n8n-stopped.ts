import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { condition } from '../../testenv/admin-client.ts';
import { waitFor } from '../../testenv/wait.ts';
import { createDepartments, getDepartment, healthOf, names, waitActive } from '../departments.ts';
import type { FaultPlatform } from '../platform.ts';
import { type CaseReport, seconds } from '../report.ts';
import { deleteAndExpectNoOrphans } from './cleanup.ts';

/** Long enough for the controller's 30 s n8n request timeout to pass once and a retry to be waiting. */
export const STOPPED_MS = 45_000;

/**
 * Case 4: n8n is SIGSTOPped the moment a department's first credential is being created (the request reached
 * it), and SIGCONTed 45 s later; the department converges with one credential of each kind.
 */
export async function n8nStopped(fp: FaultPlatform, report: CaseReport): Promise<void> {
  const [dept] = names('n8', 1) as [string];
  let stoppedAt = 0;
  fp.n8nProxy.onRequest = (method, path) => {
    if (stoppedAt === 0 && method === 'POST' && path.startsWith('/api/v1/credentials')) {
      process.kill(fp.n8n.pid, 'SIGSTOP');
      stoppedAt = Date.now();
    }
  };
  try {
    await createDepartments(fp, [dept]);
    await waitFor(async () => stoppedAt > 0, {
      timeoutMs: 180_000,
      describe: () => 'no credential was created',
    });
    const reasons = new Set<string>();
    while (Date.now() - stoppedAt < STOPPED_MS) {
      const d = await getDepartment(fp, dept);
      const workflows = d && condition(d, 'WorkflowsReady');
      if (workflows?.status === 'False') reasons.add(workflows.reason);
      await sleep(500);
    }
    report.figures['WorkflowsReady while stopped'] = [...reasons].join(', ') || 'no change';
  } finally {
    fp.n8nProxy.onRequest = () => {};
    process.kill(fp.n8n.pid, 'SIGCONT');
  }
  const resumed = Date.now();
  await waitActive(fp, [dept], 180_000);
  report.convergeSeconds = seconds(Date.now() - resumed);
  expect(await healthOf(fp, [dept])).toEqual([]);
  await deleteAndExpectNoOrphans(fp, [dept]);
}
