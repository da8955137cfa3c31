import { expect } from 'vitest';
import { namespaceFor } from '../../../crds/names.ts';
import { CROSS_DEPT_QUERY, searchRequest } from '../../support/gateway-requests.ts';
import { condition } from '../../testenv/admin-client.ts';
import { waitFor } from '../../testenv/wait.ts';
import {
  createDepartments,
  getDepartment,
  healthOf,
  lostRows,
  names,
  requestReconcile,
  seedRows,
  waitActive,
} from '../departments.ts';
import { runningEngineProcesses } from '../engine-processes.ts';
import { alive, type FaultPlatform } from '../platform.ts';
import { type CaseReport, seconds } from '../report.ts';
import { deleteAndExpectNoOrphans } from './cleanup.ts';

/** Terminates every client backend but the one asking: the controller's, the gateway's, n8n's, the engine's. */
async function terminateBackends(fp: FaultPlatform): Promise<number> {
  const { rows } = await fp.db.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
  );
  return rows[0]?.n ?? 0;
}

async function agentToken(fp: FaultPlatform, dept: string): Promise<string> {
  const secret = await fp.admin.get<{ data: { token: string } }>(
    `${`/api/v1/namespaces/${namespaceFor(dept)}`}/secrets/gateway-token`,
  );
  return Buffer.from(secret.data.token, 'base64').toString();
}

/**
 * Case 5: every Postgres client backend is terminated while 2 Departments provision, and again once they are
 * Active. The controller and the gateway recover without a restart: the departments converge, and a gateway
 * query answers 200 or 403 within seconds (not 500 until someone restarts it).
 */
export async function postgresTerminated(fp: FaultPlatform, report: CaseReport): Promise<void> {
  const depts = names('bk', 2) as [string, string];
  const controllers = fp.controllers.map((c) => c.pid);
  await createDepartments(fp, depts);
  await waitFor(async () => runningEngineProcesses(fp.platform.runDir).some((p) => /provider\/main/.test(p.cmdline)), {
    timeoutMs: 180_000,
    intervalMs: 100,
    describe: () => 'no stack update started',
  });
  report.figures['backends terminated while provisioning'] = await terminateBackends(fp);
  const first = Date.now();
  await waitActive(fp, depts, 300_000).catch((error: Error) => {
    throw new Error(`[n8n recovery, when WorkflowsReady is what fails] ${error.message}`);
  });
  report.convergeSeconds = seconds(Date.now() - first);
  for (const d of depts) await seedRows(fp, d);

  report.figures['backends terminated in steady state'] = await terminateBackends(fp);
  const second = Date.now();
  const token = await agentToken(fp, depts[0]);
  let status = 0;
  await waitFor(
    async () => {
      const res = await fetch(`${fp.gateway.url}${CROSS_DEPT_QUERY}`, searchRequest(`Bearer ${token}`, depts[1]));
      status = res.status;
      await res.body?.cancel();
      return status === 200 || status === 403;
    },
    { timeoutMs: 15_000, intervalMs: 250, describe: () => `the gateway still answers ${status}` },
  );
  report.figures['gateway answers 200/403 again after'] = `${seconds(Date.now() - second)} s`;
  for (const d of depts) await requestReconcile(fp, d);
  await waitFor(
    async () => {
      const all = await Promise.all(depts.map((n) => getDepartment(fp, n)));
      return all.every(
        (d) => d?.status?.lastHandledReconcileRequest !== undefined && condition(d, 'Ready')?.status === 'True',
      );
    },
    { timeoutMs: 180_000, intervalMs: 500, describe: () => 'the departments did not reconcile again' },
  );
  await waitActive(fp, depts, 60_000);
  report.figures['steady state reconciled again after'] = `${seconds(Date.now() - second)} s`;
  expect(fp.controllers.map((c) => c.pid)).toEqual(controllers);
  expect(controllers.every(alive)).toBe(true);
  expect(await healthOf(fp, depts)).toEqual([]);
  expect(await lostRows(fp, depts)).toEqual([]);
  await deleteAndExpectNoOrphans(fp, depts);
}
