import { expect } from 'vitest';
import { waitFor } from '../../testenv/wait.ts';
import { createDepartments, healthOf, lostRows, names, seedRows, waitActive } from '../departments.ts';
import { runningEngineProcesses } from '../engine-processes.ts';
import type { FaultPlatform } from '../platform.ts';
import { leftoverAfter } from '../processes-check.ts';
import { type CaseReport, seconds } from '../report.ts';
import { deleteAndExpectNoOrphans } from './cleanup.ts';

export const PROVISIONING = 5;

/** Case 1: SIGKILL the controller while 5 Departments provision (their stacks mid-update), then restart it. */
export async function controllerKilledWhileProvisioning(fp: FaultPlatform, report: CaseReport): Promise<void> {
  const depts = names('kp', PROVISIONING);
  await createDepartments(fp, depts);
  await waitFor(async () => runningEngineProcesses(fp.platform.runDir).some((p) => /provider\/main/.test(p.cmdline)), {
    timeoutMs: 180_000,
    intervalMs: 100,
    describe: () => 'no stack update started',
  });
  const [controller] = fp.controllers;
  if (!controller) throw new Error('no controller runs');
  const engineAtKill = runningEngineProcesses(fp.platform.runDir).length;
  await fp.killController(controller);
  const left = await leftoverAfter(fp);
  report.figures['engine processes at the kill'] = engineAtKill;
  report.figures['left 8 s after the kill'] = left.length;

  const restarted = Date.now();
  await fp.startController();
  await waitActive(fp, depts, 300_000);
  report.convergeSeconds = seconds(Date.now() - restarted);
  for (const d of depts) await seedRows(fp, d);
  expect(left).toEqual([]);
  expect(await healthOf(fp, depts)).toEqual([]);
  expect(await lostRows(fp, depts)).toEqual([]);
  report.figures['deleted in'] = `${seconds(await deleteAndExpectNoOrphans(fp, depts))} s`;
}
