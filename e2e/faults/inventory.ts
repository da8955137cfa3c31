// What exists for one department in every system the platform writes to, read behind the controller's back:
// the API server, Postgres (tenant schema, role, platform rows, Pulumi state), n8n's own database and the local
// Railway server. The fault suite compares these counts before and after each fault.

import pg from 'pg';
import { isNotFound, paths } from '../../controller/runtime/kube-api.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import { namespaceFor, tenantNamesFor } from '../../crds/names.ts';
import { PULUMI_PROJECT } from '../../pulumi/stack.ts';
import type { DepartmentObject } from '../../reconcilers/component.ts';
import type { FaultPlatform } from './platform.ts';
import { PulumiState } from './pulumi-state.ts';

export interface Inventory {
  department: DepartmentObject | undefined;
  namespace: boolean;
  schema: boolean;
  roles: number;
  /** federation.departments rows (one per department ever provisioned; DEPROVISIONED after a delete). */
  registryRows: number;
  registryStatus: string | undefined;
  oauthRows: number;
  workflows: string[];
  credentials: string[];
  railwayProjects: number;
  railwayServices: number;
  /** Keys of the department's stack in the controller's Pulumi state table (checkpoint, backups, history, locks). */
  stackRows: string[];
  stackLocks: string[];
}

const n8nPools = new Map<string, pg.Pool>();

function n8nPool(fp: FaultPlatform): pg.Pool {
  let pool = n8nPools.get(fp.n8n.database);
  if (!pool) {
    const url = new URL(fp.platform.databaseUrl);
    url.pathname = `/${fp.n8n.database}`;
    pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    pool.on('error', () => {}); // backends are terminated on purpose in case 5
    n8nPools.set(fp.n8n.database, pool);
  }
  return pool;
}

export async function closeInventory(): Promise<void> {
  for (const pool of n8nPools.values()) await pool.end();
  n8nPools.clear();
  const states = [...pulumiStates.values()];
  pulumiStates.clear();
  for (const state of states) await state.then((s) => s.close()).catch(() => undefined); // one that never opened has nothing to close
}

async function exists(fp: FaultPlatform, path: string): Promise<unknown> {
  try {
    return await fp.admin.get(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function count(db: pg.Pool, sql: string, values: unknown[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>(sql, values);
  return Number(rows[0]?.n ?? 0);
}

/** The state table each controller backend URL names, opened once per URL. */
const pulumiStates = new Map<string, Promise<PulumiState>>();

function stackKeys(fp: FaultPlatform, stack: string): Promise<string[]> {
  const url = fp.pulumiBackendUrl;
  let opened = pulumiStates.get(url);
  if (!opened) {
    opened = PulumiState.open(url);
    pulumiStates.set(url, opened);
    // Not found (Pulumi creates its table with the first stack): looked for again next time, failing this one.
    opened.catch(() => pulumiStates.delete(url));
  }
  return opened.then((state) => state.stackKeys(PULUMI_PROJECT, stack));
}

export async function inventory(fp: FaultPlatform, name: string): Promise<Inventory> {
  const names = tenantNamesFor(name);
  const prefix = `${name} · `;
  const n8n = n8nPool(fp);
  const [department, namespace, schema, roles, registry, oauthRows, workflows, credentials, stackRows] =
    await Promise.all([
      exists(fp, apiPaths.department(name)) as Promise<DepartmentObject | undefined>,
      exists(fp, paths.namespace(namespaceFor(name))),
      count(fp.db, 'SELECT count(*) AS n FROM pg_namespace WHERE nspname = $1', [names.schema]),
      count(fp.db, 'SELECT count(*) AS n FROM pg_roles WHERE rolname = $1', [names.role]),
      fp.db.query<{ status: string }>('SELECT status FROM federation.departments WHERE department_id = $1', [name]),
      count(fp.db, 'SELECT count(*) AS n FROM federation.oauth_credentials WHERE department_id = $1', [name]),
      n8n.query<{ name: string }>('SELECT name FROM workflow_entity WHERE starts_with(name, $1) ORDER BY name', [
        prefix,
      ]),
      n8n.query<{ name: string }>('SELECT name FROM credentials_entity WHERE starts_with(name, $1) ORDER BY name', [
        prefix,
      ]),
      stackKeys(fp, name),
    ]);
  const projects = [...fp.railway.server.state.projects.values()].filter((p) => p.name === `aio-${name}-prod`);
  return {
    department,
    // A deleted namespace is Terminating until kube-controller-manager's namespace controller has emptied it:
    // deleted is what counts here.
    namespace:
      namespace !== undefined &&
      !(namespace as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp,
    schema: schema > 0,
    roles,
    registryRows: registry.rows.length,
    registryStatus: registry.rows[0]?.status,
    oauthRows,
    workflows: workflows.rows.map((r) => r.name),
    credentials: credentials.rows.map((r) => r.name),
    railwayProjects: projects.length,
    railwayServices: projects.flatMap((p) => fp.railway.server.state.servicesOf(p.id)).length,
    stackRows,
    stackLocks: stackRows.filter((k) => k.includes('/.pulumi/locks/')),
  };
}
