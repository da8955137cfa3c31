import { expect } from 'vitest';
import { waitFor } from '../../testenv/wait.ts';
import { createDepartments, deleteDepartments, names, orphansOf, waitActive, waitGone } from '../departments.ts';
import { runningEngineProcesses } from '../engine-processes.ts';
import type { FaultPlatform } from '../platform.ts';
import { leftoverAfter } from '../processes-check.ts';
import { type CaseReport, seconds } from '../report.ts';

/** Case 2: SIGKILL the controller while 3 Departments are being deleted (their stacks mid-destroy), restart it. */
export async function controllerKilledWhileDeleting(fp: FaultPlatform, report: CaseReport): Promise<void> {
  const depts = names('kd', 3);
  await createDepartments(fp, depts);
  await waitActive(fp, depts, 300_000);
  await deleteDepartments(fp, depts);
  await waitFor(async () => runningEngineProcesses(fp.platform.runDir).some((p) => /provider\/main/.test(p.cmdline)), {
    timeoutMs: 120_000,
    intervalMs: 100,
    describe: () => 'no stack destroy started',
  });
  const [controller] = fp.controllers;
  if (!controller) throw new Error('no controller runs');
  await fp.killController(controller);
  const left = await leftoverAfter(fp);
  report.figures['left 8 s after the kill'] = left.length;

  const restarted = Date.now();
  await fp.startController();
  await waitGone(fp, depts, 300_000);
  report.convergeSeconds = seconds(Date.now() - restarted);
  expect(left).toEqual([]);
  expect(await orphansOf(fp, depts)).toEqual([]);
}
