import { randomBytes } from 'node:crypto';
import { isNotFound, paths } from '../../controller/runtime/kube-api.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import type { DepartmentSpecInput } from '../../crds/department.ts';
import { DEPARTMENT_LABEL, FINALIZER, RECONCILE_REQUEST_ANNOTATION, tenantSchemaFor } from '../../crds/names.ts';
import type { DepartmentObject } from '../../reconcilers/component.ts';
import { CREDENTIAL_KINDS } from '../../reconcilers/workflows/credentials.ts';
import { WORKFLOW_TEMPLATES } from '../../reconcilers/workflows/templates.ts';
import { condition, departmentManifest } from '../testenv/admin-client.ts';
import { waitFor } from '../testenv/wait.ts';
import { runningEngineProcesses } from './engine-processes.ts';
import { type Inventory, inventory } from './inventory.ts';
import { type FaultPlatform, OAUTH_NAMESPACE, OAUTH_SECRET } from './platform.ts';

/** Tools every suite department enables: a Postgres and a Google Drive credential, two workflows. */
export const TOOLS = ['database', 'google_drive'] as const;
export const SEEDED_ROWS = 3;
/**
 * The labels of the n8n credentials those tools' workflows reference (the header credential that guards their
 * webhooks among them), sorted: one credential of each is what the suite checks for.
 */
const CREDENTIAL_LABELS = [...new Set(TOOLS.flatMap((tool) => WORKFLOW_TEMPLATES[tool].credentials))]
  .map((kind) => CREDENTIAL_KINDS[kind].label)
  .sort();
export const STUB_AGENT_IMAGE = 'registry.example/federation-stub-agent:1';

/** Every department a case created, so that a failed case's are deleted before the next case starts. */
export const created = new Set<string>();

/**
 * Unique names per case, so that a case never sees another's leftovers as its own. (A prefix must not make the
 * tenant role start with pg_: Postgres reserves those names.)
 */
export function names(prefix: string, n: number): string[] {
  const run = randomBytes(2).toString('hex');
  return Array.from({ length: n }, (_, i) => `${prefix}-${run}-${i}`);
}

/** The department's own OAuth client Secret: spec.oauth.secretRef may only name one labelled for it. */
export function oauthSecretFor(department: string): string {
  return `${department}-${OAUTH_SECRET}`;
}

export function spec(department: string, extra: Partial<DepartmentSpecInput> = {}): Partial<DepartmentSpecInput> {
  return {
    enabledTools: [...TOOLS],
    oauth: { secretRef: { name: oauthSecretFor(department), namespace: OAUTH_NAMESPACE } },
    ...extra,
    // The local Railway server answers this image's health checks itself (e2e/railway/stub-container.ts): the
    // faults are in the platform, not in the voice agent, which has its own tests (agent-image/).
    runtime: { image: STUB_AGENT_IMAGE, ...extra.runtime },
  };
}

export async function createDepartments(
  fp: FaultPlatform,
  depts: string[],
  extra: Partial<DepartmentSpecInput> = {},
): Promise<void> {
  for (const n of depts) created.add(n);
  await Promise.all(depts.map((n) => oauthClientSecret(fp, n)));
  await Promise.all(
    depts.map((n) => fp.admin.create(apiPaths.departments, departmentManifest(n, {}, spec(n, extra)), 'fault-suite')),
  );
}

export async function getDepartment(fp: FaultPlatform, name: string): Promise<DepartmentObject | undefined> {
  try {
    return await fp.admin.get<DepartmentObject>(apiPaths.department(name));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function deleteDepartments(fp: FaultPlatform, depts: string[]): Promise<void> {
  await Promise.all(
    depts.map((n) =>
      fp.admin.delete(apiPaths.department(n)).catch((e) => {
        if (!isNotFound(e)) throw e;
      }),
    ),
  );
}

/** Asks for a full pass now (what `kubectl annotate ... reconcile-request` does). */
export async function requestReconcile(fp: FaultPlatform, name: string): Promise<void> {
  await fp.admin.mergePatch(
    apiPaths.department(name),
    { metadata: { annotations: { [RECONCILE_REQUEST_ANNOTATION]: `${Date.now()}` } } },
    'fault-suite',
  );
}

/** What the engine is doing right now, for a timeout's message. */
export function engineActivity(fp: FaultPlatform): string {
  const running = runningEngineProcesses(fp.platform.runDir).filter((p) => /bin\/pulumi /.test(p.cmdline));
  return running.length
    ? `\n  engine: ${running.map((p) => p.cmdline.replace(/^.*bin\/pulumi /, 'pulumi ')).join('\n          ')}`
    : '';
}

/** A Department's phase and the conditions that are not True, for failure messages. */
export function describeStatus(d: DepartmentObject | undefined): string {
  if (!d) return 'gone';
  const failing = (d.status?.conditions ?? [])
    .filter((c) => c.status !== 'True')
    .map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`);
  return `${d.status?.phase ?? 'no phase'} [${failing.join(' | ').slice(0, 600)}]`;
}

/** Waits until every department is Active with Ready=True; returns the milliseconds it took. */
export async function waitActive(fp: FaultPlatform, depts: string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  const last = new Map<string, DepartmentObject | undefined>();
  await waitFor(
    async () => {
      const all = await Promise.all(depts.map((n) => getDepartment(fp, n)));
      for (const [i, n] of depts.entries()) last.set(n, all[i]);
      return all.every((d) => d?.status?.phase === 'Active' && condition(d, 'Ready')?.status === 'True');
    },
    {
      timeoutMs,
      intervalMs: 500,
      describe: () =>
        `not all Active after ${timeoutMs} ms:\n${depts.map((n) => `  ${n}: ${describeStatus(last.get(n))}`).join('\n')}${engineActivity(fp)}`,
    },
  );
  return Date.now() - started;
}

/** Waits until every department object is gone (its finalizer released); returns the milliseconds it took. */
export async function waitGone(fp: FaultPlatform, depts: string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  const last = new Map<string, DepartmentObject | undefined>();
  await waitFor(
    async () => {
      const all = await Promise.all(depts.map((n) => getDepartment(fp, n)));
      for (const [i, n] of depts.entries()) last.set(n, all[i]);
      return all.every((d) => d === undefined);
    },
    {
      timeoutMs,
      intervalMs: 500,
      describe: () =>
        `finalizers not released after ${timeoutMs} ms:\n${depts.map((n) => `  ${n}: ${describeStatus(last.get(n))}`).join('\n')}${engineActivity(fp)}`,
    },
  );
  return Date.now() - started;
}

/** Deletes whatever departments a failed case left, so the next case starts on a quiet platform. */
export async function deleteLeftovers(fp: FaultPlatform): Promise<void> {
  const left = [...created];
  created.clear();
  await deleteDepartments(fp, left);
  await waitGone(fp, left, 240_000).catch((error: Error) => console.log(`[faults] cleanup: ${error.message}`));
}

/** Tenant rows written before a fault, to show none are lost. */
export async function seedRows(fp: FaultPlatform, name: string): Promise<void> {
  const schema = tenantSchemaFor(name);
  for (let i = 0; i < SEEDED_ROWS; i++) {
    await fp.db.query(
      `INSERT INTO "${schema}".agent_context (session_id, agent_name, context_key, context_value)
       VALUES ('fault-suite', 'seed', $1, '{"kept": true}')`,
      [`row-${i}`],
    );
  }
}

export async function seededRows(fp: FaultPlatform, name: string): Promise<number> {
  const { rows } = await fp.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "${tenantSchemaFor(name)}".agent_context WHERE session_id = 'fault-suite'`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * What is wrong with a department that should be fully provisioned: one of everything (no duplicates), no
 * stack lock held, the finalizer in place. Problems that belong to a fix in another change say which.
 */
export function healthProblems(name: string, inv: Inventory): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(`${name}: ${what}`);
  };
  check(inv.department?.status?.phase === 'Active', `phase ${inv.department?.status?.phase}`);
  check(JSON.stringify(inv.department?.metadata.finalizers) === JSON.stringify([FINALIZER]), 'finalizer');
  check(inv.namespace, 'namespace missing');
  check(inv.schema, 'schema missing');
  check(inv.roles === 1, `${inv.roles} roles`);
  check(inv.registryRows === 1, `${inv.registryRows} federation.departments rows`);
  check(inv.oauthRows === 1, `${inv.oauthRows} oauth_credentials rows (want 1: google_drive)`);
  check(inv.workflows.length === TOOLS.length, `workflows ${JSON.stringify(inv.workflows)}`);
  check(new Set(inv.workflows).size === inv.workflows.length, 'duplicate workflows');
  // Credentials are named "<department> · <kind> · <id>": one of each kind the tools need, and the webhook's.
  const kinds = inv.credentials.map((c) => c.split(' · ')[1]).sort();
  check(
    JSON.stringify(kinds) === JSON.stringify(CREDENTIAL_LABELS),
    `[n8n credentials] credentials ${JSON.stringify(inv.credentials)} (want one of each: ${CREDENTIAL_LABELS.join(', ')})`,
  );
  check(inv.railwayProjects === 1, `${inv.railwayProjects} Railway projects`);
  check(inv.railwayServices === 1, `${inv.railwayServices} Railway services`);
  check(inv.stackLocks.length === 0, `stack locks ${JSON.stringify(inv.stackLocks)}`);
  return problems;
}

/** What is left of a deleted department (deletionPolicy Delete): nothing but its DEPROVISIONED registry row. */
export function orphanProblems(name: string, inv: Inventory): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(`${name}: ${what}`);
  };
  check(inv.department === undefined, 'Department still exists (finalizer stuck)');
  check(!inv.namespace, 'namespace left');
  check(!inv.schema, 'schema left');
  check(inv.roles === 0, 'role left');
  check(
    inv.registryRows <= 1 && (inv.registryRows === 0 || inv.registryStatus === 'DEPROVISIONED'),
    `registry ${inv.registryStatus}`,
  );
  check(inv.oauthRows === 0, `${inv.oauthRows} oauth_credentials rows left`);
  check(inv.workflows.length === 0, `workflows left ${JSON.stringify(inv.workflows)}`);
  check(inv.credentials.length === 0, `[n8n credentials] credentials left ${JSON.stringify(inv.credentials)}`);
  check(inv.railwayProjects === 0, `${inv.railwayProjects} Railway projects left`);
  check(inv.stackRows.length === 0, `Pulumi state rows left ${JSON.stringify(inv.stackRows)}`);
  return problems;
}

export async function healthOf(fp: FaultPlatform, depts: string[]): Promise<string[]> {
  return (await Promise.all(depts.map(async (n) => healthProblems(n, await inventory(fp, n))))).flat();
}

export async function orphansOf(fp: FaultPlatform, depts: string[]): Promise<string[]> {
  return (await Promise.all(depts.map(async (n) => orphanProblems(n, await inventory(fp, n))))).flat();
}

export async function lostRows(fp: FaultPlatform, depts: string[]): Promise<string[]> {
  const counts = await Promise.all(depts.map((n) => seededRows(fp, n)));
  return depts.filter((_, i) => counts[i] !== SEEDED_ROWS).map((n, i) => `${n}: ${counts[i]} of ${SEEDED_ROWS} rows`);
}

/** A placeholder Google OAuth client labelled for the department (nothing calls Google without a refresh token). */
async function oauthClientSecret(fp: FaultPlatform, department: string): Promise<void> {
  await fp.admin.create(
    paths.namespacedSecrets(OAUTH_NAMESPACE),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: oauthSecretFor(department),
        namespace: OAUTH_NAMESPACE,
        labels: { [DEPARTMENT_LABEL]: department },
      },
      type: 'Opaque',
      stringData: {
        client_id: `${department}.apps.googleusercontent.com`,
        client_secret: 'faults-only-not-a-real-secret',
      },
    },
    'fault-suite',
  );
}
