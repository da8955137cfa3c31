import { expect } from 'vitest';
import { apiPaths } from '../../../crds/api-paths.ts';
import { waitFor } from '../../testenv/wait.ts';
import {
  createDepartments,
  deleteDepartments,
  engineActivity,
  getDepartment,
  lostRows,
  names,
  seedRows,
  waitActive,
  waitGone,
} from '../departments.ts';
import { inventory } from '../inventory.ts';
import type { FaultPlatform } from '../platform.ts';
import { type CaseReport, seconds } from '../report.ts';
import { deleteAndExpectNoOrphans } from './cleanup.ts';

/** Case 7: a spec change keeps the tenant's rows; `deletionPolicy: Retain` keeps the schema and rows after deletion. */
export async function dataSafety(fp: FaultPlatform, report: CaseReport): Promise<void> {
  const [changed, retained] = names('ds', 2) as [string, string];
  await createDepartments(fp, [changed]);
  await createDepartments(fp, [retained], { deletionPolicy: 'Retain' });
  await waitActive(fp, [changed, retained], 300_000);
  for (const d of [changed, retained]) await seedRows(fp, d);

  await fp.admin.mergePatch(
    apiPaths.department(changed),
    { spec: { displayName: 'Renamed', enabledTools: ['database', 'google_drive', 'agent_context'] } },
    'fault-suite',
  );
  const patched = Date.now();
  let last: unknown;
  await waitFor(
    async () => {
      const d = await getDepartment(fp, changed);
      last = d?.status;
      return d?.status?.observedGeneration === d?.metadata.generation && d?.status?.phase === 'Active';
    },
    {
      timeoutMs: 180_000,
      intervalMs: 500,
      describe: () => `the spec change did not converge: ${JSON.stringify(last)}${engineActivity(fp)}`,
    },
  );
  report.convergeSeconds = seconds(Date.now() - patched);
  expect(await lostRows(fp, [changed])).toEqual([]);
  expect((await inventory(fp, changed)).workflows).toHaveLength(3);

  await deleteDepartments(fp, [retained]);
  report.figures['Retain deleted in'] = `${seconds(await waitGone(fp, [retained], 180_000))} s`;
  const kept = await inventory(fp, retained);
  expect(kept.schema).toBe(true);
  expect(await lostRows(fp, [retained])).toEqual([]);
  expect(kept.railwayProjects).toBe(1); // Retain leaves the agent running
  expect(kept.stackRows).toEqual([]); // but no stack state
  expect(kept.registryStatus).toBe('DEPROVISIONED');
  report.figures['changed deleted in'] = `${seconds(await deleteAndExpectNoOrphans(fp, [changed]))} s`;
}
