// What exists for one department in every system the platform writes to, read behind the controller's back:
// the API server, Postgres (tenant schema, role, platform rows, Pulumi state), n8n's own database and the local
// Railway server. The fault suite compares these counts before and after each fault.
import pg from 'pg';
import type { DepartmentObject } from '../../controller/core/component.ts';
import { isNotFound, paths } from '../../controller/core/kube-api.ts';
import { namespaceFor, tenantNamesFor } from '../../crds/names.ts';
import type { FaultPlatform } from './platform.ts';

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
  /** Rows of the department's stack in Pulumi's state table (checkpoint, backups, history, locks). */
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

/** Pulumi's DIY state keys of a stack: `<bucket>/.pulumi/{stacks,backups,history,locks}/<project>/<stack>...`. */
async function stackKeys(db: pg.Pool, stack: string): Promise<string[]> {
  const table = await db.query("SELECT to_regclass('public.pulumi_state') AS t");
  if (!table.rows[0]?.t) return [];
  const { rows } = await db.query<{ key: string }>(
    `SELECT key FROM pulumi_state
      WHERE key LIKE '%/.pulumi/stacks/federation-runtime/' || $1 || '.json%'
         OR key LIKE '%/.pulumi/backups/federation-runtime/' || $1 || '/%'
         OR key LIKE '%/.pulumi/history/federation-runtime/' || $1 || '/%'
         OR key LIKE '%/.pulumi/locks/federation-runtime/' || $1 || '/%'
      ORDER BY key`,
    [stack],
  );
  return rows.map((r) => r.key);
}

export async function inventory(fp: FaultPlatform, name: string): Promise<Inventory> {
  const names = tenantNamesFor(name);
  const prefix = `${name} · `;
  const n8n = n8nPool(fp);
  const [department, namespace, schema, roles, registry, oauthRows, workflows, credentials, stackRows] =
    await Promise.all([
      exists(fp, paths.department(name)) as Promise<DepartmentObject | undefined>,
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
      stackKeys(fp.db, name),
    ]);
  const projects = [...fp.railway.server.state.projects.values()].filter((p) => p.name === `aio-${name}-prod`);
  return {
    department,
    // Without kube-controller-manager (as here) a deleted namespace stays Terminating: deleted is what counts.
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

/** Every stack lock in the state table, of any department. */
export async function allStackLocks(fp: FaultPlatform): Promise<string[]> {
  const table = await fp.db.query("SELECT to_regclass('public.pulumi_state') AS t");
  if (!table.rows[0]?.t) return [];
  const { rows } = await fp.db.query<{ key: string }>(
    "SELECT key FROM pulumi_state WHERE key LIKE '%/.pulumi/locks/%'",
  );
  return rows.map((r) => r.key);
}
