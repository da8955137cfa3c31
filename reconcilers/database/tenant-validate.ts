import type pg from 'pg';
import { OWNER_ROLE } from '../../controller/platform/database/platform-roles.ts';
import type { TenantNames } from './names.ts';
import { readTenantCatalog } from './tenant-catalog.ts';
import { POLICY_NAMES, RETENTION_FUNCTIONS } from './tenant-ddl.ts';
import { indexName, TENANT_TABLES } from './tenant-tables/index.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** The seed's validator checks, as far as the schema's version promises them. Empty when all pass. */
export async function validateTenant(db: Queryable, n: TenantNames, version: number): Promise<string[]> {
  if (version < 1) return ['no tenant migration applied'];
  const found = await readTenantCatalog(db, n.schema);
  if (!found.schemaExists) return [`schema ${n.schema} does not exist`];
  const failures: string[] = [];
  const { tables, indexes, functions } = found;
  const policies = new Set(found.policies.map((p) => `${p.table}.${p.policy}`));
  const missing = TENANT_TABLES.filter((t) => !tables.has(t.name)).map((t) => t.name);
  if (missing.length) failures.push(`missing tables: ${missing.join(', ')}`);
  for (const table of TENANT_TABLES) {
    const t = tables.get(table.name);
    if (!t) continue;
    if (!t.has_department) failures.push(`${table.name} has no department_id column`);
    if (t.owner !== OWNER_ROLE) failures.push(`${table.name} is owned by ${t.owner}, not ${OWNER_ROLE}`);
    const absent = Object.keys(table.indexes)
      .map((suffix) => indexName(table.name, suffix))
      .filter((i) => !indexes.has(i));
    if (absent.length) failures.push(`${table.name} lacks indexes ${absent.join(', ')}`);
    if (version < 2) continue;
    if (!t.rls || !t.forced) failures.push(`row-level security is not enabled and forced on ${table.name}`);
    const lacking = POLICY_NAMES.filter((p) => !policies.has(`${table.name}.${p}`));
    if (lacking.length) failures.push(`${table.name} lacks policies ${lacking.join(', ')}`);
  }
  if (version >= 3) {
    const absent = RETENTION_FUNCTIONS.filter((f) => !functions.has(f));
    if (absent.length) failures.push(`missing retention functions: ${absent.join(', ')}`);
  }
  return failures;
}
