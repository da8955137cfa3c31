import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { paths } from '../../../controller/runtime/kube-api.ts';
import { ManagedProcess } from '../../testenv/managed-process.ts';
import { waitFor } from '../../testenv/wait.ts';
import { createDepartments, healthOf, names, waitActive } from '../departments.ts';
import { runningEngineProcesses } from '../engine-processes.ts';
import { alive, type FaultPlatform } from '../platform.ts';
import { leftoverAfter } from '../processes-check.ts';
import { type CaseReport, seconds } from '../report.ts';
import { deleteAndExpectNoOrphans } from './cleanup.ts';

/** SIGKILLs kube-apiserver and starts it again with the same arguments (same port, certificates and etcd). */
async function restartApiServer(fp: FaultPlatform, downMs: number): Promise<void> {
  const old = fp.platform.controlPlane.processes.find((p) => p.name === 'kube-apiserver');
  if (!old) throw new Error('no kube-apiserver');
  const [command, ...args] = readFileSync(`/proc/${old.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  process.kill(old.pid, 'SIGKILL');
  await old.exitPromise;
  await sleep(downMs);
  const started = new ManagedProcess(
    'kube-apiserver',
    command as string,
    args,
    join(fp.platform.runDir, 'kube-apiserver.log'),
    fp.platform.watchdog,
  );
  fp.platform.onStop(() => started.stop());
  fp.platform.controlPlane.processes.splice(fp.platform.controlPlane.processes.indexOf(old), 1, started);
  await waitFor(async () => Boolean(await fp.admin.get(paths.namespaces)), {
    timeoutMs: 90_000,
    intervalMs: 500,
    describe: () => `kube-apiserver did not come back:\n${started.logTail()}`,
  });
}

/**
 * Case 9: the API server is SIGKILLed while 2 Departments provision and restarted on the same etcd 5 s later.
 * Watches resume or relist; a controller that lost its lease meanwhile exits and is started again (what the
 * kubelet would do); nothing is created twice.
 */
export async function apiServerRestart(fp: FaultPlatform, report: CaseReport): Promise<void> {
  const depts = names('as', 2);
  await createDepartments(fp, depts);
  await waitFor(async () => runningEngineProcesses(fp.platform.runDir).some((p) => /provider\/main/.test(p.cmdline)), {
    timeoutMs: 180_000,
    intervalMs: 100,
    describe: () => 'no stack update started',
  });
  const pids = fp.controllers.map((c) => c.pid);
  await restartApiServer(fp, 5_000);
  const back = Date.now();
  await sleep(2_000);
  const exited = fp.controllers.filter((c) => !alive(c.pid));
  for (const c of exited) fp.controllers.splice(fp.controllers.indexOf(c), 1);
  if (fp.controllers.length === 0) await fp.startController();
  report.figures['controllers that exited (lease lost)'] = `${exited.length} of ${pids.length}`;
  await waitActive(fp, depts, 300_000);
  report.convergeSeconds = seconds(Date.now() - back);
  expect(await healthOf(fp, depts)).toEqual([]);
  expect(await leftoverAfter(fp)).toEqual([]);
  await deleteAndExpectNoOrphans(fp, depts);
}
