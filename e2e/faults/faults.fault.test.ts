// `npm run test:faults`: faults injected into the real local platform, one case after another (see README.md).
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../testenv/platform.ts';
import { apiServerRestart } from './cases/apiserver-restart.ts';
import { controllerKilledWhileDeleting } from './cases/controller-killed-deleting.ts';
import { controllerKilledWhileProvisioning } from './cases/controller-killed-provisioning.ts';
import { dataSafety } from './cases/data-safety.ts';
import { drift } from './cases/drift.ts';
import { n8nStopped } from './cases/n8n-stopped.ts';
import { postgresTerminated } from './cases/postgres-terminated.ts';
import { railwayFailing } from './cases/railway-failing.ts';
import { twoControllers } from './cases/two-controllers.ts';
import { deleteLeftovers } from './departments.ts';
import { closeInventory } from './inventory.ts';
import { type FaultPlatform, startFaultPlatform } from './platform.ts';
import { leftoverAfter } from './processes-check.ts';
import { reportFor, writeReport } from './report.ts';

let fp: FaultPlatform;

beforeAll(async () => {
  fp = await startFaultPlatform((line) => console.log(`[faults] ${line}`));
});

afterEach(async () => {
  await deleteLeftovers(fp); // what a failed case left, so the next one starts on a quiet platform
  // No process of this run's engine outlives its controller, whatever the case did.
  expect(await leftoverAfter(fp)).toEqual([]);
});

afterAll(async () => {
  console.log(`[faults] results\n${writeReport()}`);
  await closeInventory();
  if (fp) {
    // The servers' logs outlive the run directory, for a failed run's post-mortem.
    const logs = join(REPO_ROOT, '.federation', 'faults-logs');
    mkdirSync(logs, { recursive: true });
    for (const f of readdirSync(fp.platform.runDir).filter((n) => n.endsWith('.log'))) {
      cpSync(join(fp.platform.runDir, f), join(logs, f));
    }
    await fp.stop();
  }
});

// In the numbering; Postgres backends terminated (5) runs last, as it is the fault that can leave n8n down.
describe('fault injection on the local platform', () => {
  it('1. converges 5 Departments after the controller is SIGKILLed while they provision', async () => {
    await controllerKilledWhileProvisioning(fp, reportFor('1. controller SIGKILLed while 5 Departments provision'));
  });

  it('2. finishes deleting 3 Departments after the controller is SIGKILLed mid-deletion', async () => {
    await controllerKilledWhileDeleting(fp, reportFor('2. controller SIGKILLed while 3 Departments are deleted'));
  });

  it('3. names Railway 5xx and 429 in the conditions, bounds its calls, and converges after', async () => {
    await railwayFailing(fp, reportFor('3. Railway 5xx, then 429 + Retry-After, for 60 s'));
  });

  it('4. converges with one credential of each kind after n8n is stopped during a create', async () => {
    await n8nStopped(fp, reportFor('4. n8n SIGSTOPped for 45 s as a credential is created'));
  });

  it('6. repairs or reports drift made behind its back, with an Event for each', async () => {
    await drift(fp, reportFor('6. drift: policy, FORCE RLS, n8n workflow, Railway service; then a table'));
  });

  it('7. keeps tenant rows through a spec change, and the schema with deletionPolicy Retain', async () => {
    await dataSafety(fp, reportFor('7. data safety: spec change, deletionPolicy Retain'));
  });

  it('8. runs one leader among two controllers, and fails over within the lease when it is killed', async () => {
    await twoControllers(fp, reportFor('8. two controllers, leader SIGKILLed'));
  });

  it('9. resumes after the API server restarts, with nothing created twice', async () => {
    await apiServerRestart(fp, reportFor('9. kube-apiserver SIGKILLed, restarted on the same etcd'));
  });

  it('5. recovers without a restart after every Postgres backend is terminated, mid-provisioning and steady', async () => {
    await postgresTerminated(fp, reportFor('5. all Postgres client backends terminated (twice)'));
  });
});
