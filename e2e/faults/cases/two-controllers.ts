import { expect } from 'vitest';
import { paths } from '../../../controller/runtime/kube-api.ts';
import { metricValue } from '../../testenv/controller.ts';
import { waitFor } from '../../testenv/wait.ts';
import { createDepartments, healthOf, names, waitActive } from '../departments.ts';
import { type FaultPlatform, LEASE, type RunningController } from '../platform.ts';
import { leftoverAfter } from '../processes-check.ts';
import { type CaseReport, seconds } from '../report.ts';
import { deleteAndExpectNoOrphans } from './cleanup.ts';

async function scrape(c: RunningController): Promise<{ leader: number; reconciles: number }> {
  const text = await (await fetch(c.metricsUrl)).text();
  return {
    leader: metricValue(text, 'leader_election_master_status'),
    reconciles: metricValue(text, 'controller_runtime_reconcile_total', { controller: 'department' }),
  };
}

async function leaders(fp: FaultPlatform): Promise<RunningController[]> {
  const states = await Promise.all(fp.controllers.map(scrape));
  return fp.controllers.filter((_, i) => states[i]?.leader === 1);
}

const LEASE_MS = Number.parseInt(LEASE.LEASE_DURATION, 10) * 1000;

/** The controllers' Lease (their default LEASE_NAMESPACE and LEASE_NAME). */
async function leaseSpec(fp: FaultPlatform): Promise<{ acquireTime?: string | null; leaseTransitions?: number }> {
  const lease = await fp.admin.get<{ spec: { acquireTime?: string | null; leaseTransitions?: number } }>(
    paths.lease('federation-system', 'federation-controller'),
  );
  return lease.spec;
}

/**
 * Case 8: a second controller starts beside the first (both with POD_NAME local-controller, as the local platform
 * starts them): one leader, only it reconciles; SIGKILL the leader and the other takes over once the lease ran out.
 */
export async function twoControllers(fp: FaultPlatform, report: CaseReport): Promise<void> {
  await fp.startController();
  expect(fp.controllers).toHaveLength(2);
  await waitFor(async () => (await leaders(fp)).length === 1, {
    timeoutMs: 30_000,
    describe: () => 'no single leader',
  });
  const [leader] = await leaders(fp);
  const standby = fp.controllers.find((c) => c !== leader) as RunningController;
  const before = await Promise.all(fp.controllers.map(scrape));
  const [first] = names('tc', 2) as [string, string];
  await createDepartments(fp, [first]);
  await waitActive(fp, [first], 240_000);
  const after = await Promise.all(fp.controllers.map(scrape));
  const reconciled = fp.controllers.filter((_, i) => (after[i]?.reconciles ?? 0) > (before[i]?.reconciles ?? 0));
  expect(reconciled).toEqual([leader]);
  expect((await leaders(fp)).length).toBe(1);

  const held = await leaseSpec(fp);
  const killed = Date.now();
  await fp.killController(leader as RunningController);
  await waitFor(async () => (await scrape(standby)).leader === 1, {
    timeoutMs: 60_000,
    intervalMs: 100,
    describe: () => 'the standby did not take over',
  });
  const failover = Date.now() - killed;
  report.convergeSeconds = seconds(failover);
  report.figures['lease duration'] = `${LEASE_MS / 1000} s`;
  // One hand-over, taken only once the dead leader stopped renewing (client-go semantics): never two leaders.
  const takenOver = await leaseSpec(fp);
  expect(takenOver.leaseTransitions).toBe((held.leaseTransitions ?? 0) + 1);
  expect(Date.parse(takenOver.acquireTime ?? '')).toBeGreaterThanOrEqual(killed);
  expect(await leaders(fp)).toEqual([standby]);
  expect(await leftoverAfter(fp)).toEqual([]);

  const [, second] = names('tc', 2) as [string, string];
  await createDepartments(fp, [second]);
  await waitActive(fp, [first, second], 240_000);
  expect(await healthOf(fp, [first, second])).toEqual([]);
  await deleteAndExpectNoOrphans(fp, [first, second]);
}
