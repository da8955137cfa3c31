// Controller benchmark: `npm run bench:controller`. Prints numbers; asserts nothing.
// Applies 500 Departments at once (components: namespace + grants), waits for all to be Active,
// then grows to 1,000 and idles 60 s, measuring CPU and API writes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiPaths } from '../../crds/api-paths.ts';
import type { DepartmentObject } from '../../reconcilers/component.ts';
import { adminClient, departmentManifest } from '../testenv/admin-client.ts';
import { metricValue } from '../testenv/controller.ts';
import { startPlatform } from '../testenv/platform.ts';
import { freePort } from '../testenv/ports.ts';
import { controllerKubeconfig } from '../testenv/service-account.ts';
import { waitFor } from '../testenv/wait.ts';

const FIRST = Number(process.env.BENCH_DEPARTMENTS ?? 500);
const TOTAL = Number(process.env.BENCH_IDLE_DEPARTMENTS ?? 1000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const CLOCK_TICKS = 100;
/** The controller's default; BENCH_RESYNC=20s shows the cost of resyncing 1,000 objects often. */
const RESYNC = process.env.BENCH_RESYNC ?? '10m';

function procStats(pid: number): { cpuSeconds: number; peakRssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  const hwm = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/)?.[1];
  return { cpuSeconds, peakRssMiB: Number(hwm) / 1024 };
}

const platform = await startPlatform({ installCrds: true, postgres: false });
try {
  const admin = adminClient(platform.kubeconfig);
  const kubeconfig = await controllerKubeconfig(platform.kubeconfig, join(platform.runDir, 'controller.kubeconfig'));
  const port = await freePort();
  const controller = platform.startProcess('controller', process.execPath, ['--import', 'tsx', 'controller/main.ts'], {
    ...process.env,
    KUBECONFIG: kubeconfig,
    METRICS_PORT: String(port),
    METRICS_HOST: '127.0.0.1',
    RESYNC_PERIOD: RESYNC,
    LOG_LEVEL: 'warn',
  });
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
    timeoutMs: 60_000,
    describe: () => controller.logTail(),
  });
  await waitFor(async () => metricValue(await metrics(), 'leader_election_master_status') === 1, {
    timeoutMs: 30_000,
    describe: () => 'controller never led',
  });

  const countActive = async () =>
    (await admin.get<{ items: DepartmentObject[] }>(apiPaths.departments)).items.filter(
      (d) => d.status?.phase === 'Active',
    ).length;
  async function createRange(from: number, to: number): Promise<void> {
    const names = Array.from({ length: to - from }, (_, i) => `bench-${from + i}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map((n) => admin.create(apiPaths.departments, departmentManifest(n, {}), 'bench')),
      );
    }
  }

  const before = await metrics();
  const started = Date.now();
  await createRange(0, FIRST);
  const applied = Date.now() - started;
  await waitFor(async () => (await countActive()) === FIRST, {
    timeoutMs: 600_000,
    intervalMs: 250,
    describe: () => 'not all Active',
  });
  const elapsed = (Date.now() - started) / 1000;
  const after = await metrics();
  const reconciles =
    metricValue(after, 'controller_runtime_reconcile_total', { controller: 'department' }) -
    metricValue(before, 'controller_runtime_reconcile_total', { controller: 'department' });
  const requests = metricValue(after, 'rest_client_requests_total') - metricValue(before, 'rest_client_requests_total');
  const leaseWrites = (t: string) => metricValue(t, 'federation_api_writes_total', { resource: 'leases' });
  const writes = (t: string) => metricValue(t, 'federation_api_writes_total') - leaseWrites(t);
  const rss = procStats(controller.pid).peakRssMiB;
  console.log(
    `\n== ${FIRST} Departments applied at once (namespace + grants components, ${process.env.WORKERS ?? 8} workers)`,
  );
  console.log(`  apply (API create calls):      ${(applied / 1000).toFixed(1)} s`);
  console.log(`  time until all Active:         ${elapsed.toFixed(1)} s`);
  console.log(`  reconciles:                    ${reconciles} (${(reconciles / elapsed).toFixed(1)} /s)`);
  console.log(
    `  API requests per department:   ${(requests / FIRST).toFixed(2)} (writes ${((writes(after) - writes(before)) / FIRST).toFixed(2)})`,
  );
  console.log(`  controller peak RSS:           ${rss.toFixed(0)} MiB`);

  await createRange(FIRST, TOTAL);
  await waitFor(async () => (await countActive()) === TOTAL, {
    timeoutMs: 600_000,
    intervalMs: 500,
    describe: () => 'not all Active',
  });
  await new Promise((r) => setTimeout(r, 5000)); // let the last status writes and watch events settle
  const idleBefore = await metrics();
  const cpuBefore = procStats(controller.pid).cpuSeconds;
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idleAfter = await metrics();
  const cpu = procStats(controller.pid).cpuSeconds - cpuBefore;
  const idleReconciles =
    metricValue(idleAfter, 'controller_runtime_reconcile_total', { controller: 'department' }) -
    metricValue(idleBefore, 'controller_runtime_reconcile_total', { controller: 'department' });
  console.log(`\n== idle ${IDLE_SECONDS} s with ${TOTAL} Departments (resync every ${RESYNC})`);
  console.log(`  resync reconciles:             ${idleReconciles}`);
  console.log(`  API writes (objects):          ${writes(idleAfter) - writes(idleBefore)}`);
  console.log(`  API writes (leader lease):     ${leaseWrites(idleAfter) - leaseWrites(idleBefore)}`);
  console.log(`  CPU:                           ${((cpu / IDLE_SECONDS) * 100).toFixed(2)}% of one core`);
  console.log(`  controller peak RSS:           ${procStats(controller.pid).peakRssMiB.toFixed(0)} MiB`);
  admin.close();
} finally {
  await platform.stop();
}
