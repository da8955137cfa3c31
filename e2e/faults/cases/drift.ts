import { expect } from 'vitest';
import { tenantSchemaFor } from '../../../crds/names.ts';
import { condition } from '../../testenv/admin-client.ts';
import { waitFor } from '../../testenv/wait.ts';
import {
  createDepartments,
  engineActivity,
  getDepartment,
  healthOf,
  lostRows,
  names,
  requestReconcile,
  seedRows,
  waitActive,
} from '../departments.ts';
import { eventsOf } from '../events.ts';
import { inventory } from '../inventory.ts';
import type { FaultPlatform } from '../platform.ts';
import { type CaseReport, seconds } from '../report.ts';
import { deleteAndExpectNoOrphans } from './cleanup.ts';

async function drifted(fp: FaultPlatform, schema: string) {
  const { rows } = await fp.db.query<{ policy: boolean; forced: boolean; table: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = $1 AND tablename = 'tool_calls'
                      AND policyname = 'tenant_isolation') AS policy,
            (SELECT relforcerowsecurity FROM pg_class WHERE oid = to_regclass($2)) AS forced,
            to_regclass($3) IS NOT NULL AS table`,
    [schema, `"${schema}".conversation_history`, `"${schema}".feature_flags`],
  );
  return rows[0] as { policy: boolean; forced: boolean; table: boolean };
}

async function deleteWorkflow(fp: FaultPlatform, name: string): Promise<void> {
  const d = await getDepartment(fp, name);
  const id = Object.values(d?.status?.workflowIds ?? {})[0];
  const res = await fetch(`${fp.n8n.url}/api/v1/workflows/${id}`, {
    method: 'DELETE',
    headers: { 'X-N8N-API-KEY': fp.n8n.apiKey },
  });
  expect(res.status).toBe(200);
}

/**
 * Case 6: drift made behind the platform's back, one system at a time. A dropped policy and NO FORCE ROW LEVEL
 * SECURITY, then a deleted n8n workflow, then a deleted Railway service are repaired with the Event (and
 * condition) that say so; then a dropped tenant table is recreated (or reported as Stalled) with an Event, and
 * the rows of the other tables are kept.
 */
export async function drift(fp: FaultPlatform, report: CaseReport): Promise<void> {
  const [dept] = names('dr', 1) as [string];
  const schema = tenantSchemaFor(dept);
  await createDepartments(fp, [dept]);
  await waitActive(fp, [dept], 240_000);
  await seedRows(fp, dept);

  // Postgres: a dropped policy and RLS no longer forced, repaired by the database component.
  await fp.db.query(`DROP POLICY tenant_isolation ON "${schema}".tool_calls`);
  await fp.db.query(`ALTER TABLE "${schema}".conversation_history NO FORCE ROW LEVEL SECURITY`);
  // n8n: a deleted workflow, created again by the workflows component.
  await deleteWorkflow(fp, dept);
  const injected = Date.now();
  await requestReconcile(fp, dept);
  await waitFor(
    async () => {
      const [state, inv] = await Promise.all([drifted(fp, schema), inventory(fp, dept)]);
      return state.policy && state.forced && inv.workflows.length === 2;
    },
    { timeoutMs: 180_000, intervalMs: 500, describe: () => `the drift was not repaired${engineActivity(fp)}` },
  );
  await waitActive(fp, [dept], 120_000);
  report.convergeSeconds = seconds(Date.now() - injected);
  let events = await eventsOf(fp, dept);
  expect(events.map((e) => e.reason)).toContain('DriftRepaired');
  // The deleted workflow was created again: its WorkflowCreated Event counts twice.
  expect(events.some((e) => e.reason === 'WorkflowCreated' && e.count >= 2)).toBe(true);

  // Railway: a deleted service, found by the runtime's refresh and repaired (driftPolicy Remediate).
  const [project] = [...fp.railway.server.state.projects.values()].filter((p) => p.name === `aio-${dept}-prod`);
  const [service] = fp.railway.server.state.servicesOf(project?.id ?? '');
  fp.railway.server.state.deleteService(service?.id ?? '');
  const deleted = Date.now();
  await requestReconcile(fp, dept);
  await waitFor(async () => (await inventory(fp, dept)).railwayServices === 1, {
    timeoutMs: 180_000,
    intervalMs: 500,
    describe: () => `the Railway service was not repaired${engineActivity(fp)}`,
  });
  // The requested reconcile runs a full check, which repairs in the same engine run: the Department stays Active
  // meanwhile, and the Event and condition come when that run ends.
  await waitFor(
    async () => {
      const d = await getDepartment(fp, dept);
      const runtimeDrifted = d && condition(d, 'RuntimeDrifted');
      return runtimeDrifted?.status === 'False' && runtimeDrifted.reason === 'DriftRemediated';
    },
    {
      timeoutMs: 120_000,
      intervalMs: 500,
      describe: () => `RuntimeDrifted never said DriftRemediated${engineActivity(fp)}`,
    },
  );
  await waitActive(fp, [dept], 120_000);
  report.figures['Railway service repaired in'] = `${seconds(Date.now() - deleted)} s`;
  events = await eventsOf(fp, dept);
  expect(events.map((e) => e.reason)).toContain('DriftRemediated');
  expect(await healthOf(fp, [dept])).toEqual([]);

  // A dropped tenant table: its data is gone, but the table comes back (or the Department says it cannot).
  await fp.db.query(`DROP TABLE "${schema}".feature_flags`);
  const dropped = Date.now();
  await requestReconcile(fp, dept);
  let outcome = '';
  await waitFor(
    async () => {
      const d = await getDepartment(fp, dept);
      const stalled = d && condition(d, 'Stalled');
      if ((await drifted(fp, schema)).table && d?.status?.phase === 'Active') outcome = 'recreated';
      else if (stalled?.status === 'True') outcome = `Stalled: ${stalled.reason}`;
      return outcome !== '';
    },
    {
      timeoutMs: 120_000,
      intervalMs: 500,
      describe: () =>
        '[drift repair of tenant tables] a dropped tenant table was neither recreated nor reported as Stalled',
    },
  );
  report.figures['dropped table'] = `${outcome} in ${seconds(Date.now() - dropped)} s`;
  const notes = (await eventsOf(fp, dept)).filter((e) => e.type === 'Warning' && /feature_flags/.test(e.note));
  expect(notes.length, '[drift repair of tenant tables] an Event names the dropped table').toBeGreaterThan(0);
  expect(await lostRows(fp, [dept])).toEqual([]);
  await deleteAndExpectNoOrphans(fp, [dept]);
}
