import type pg from 'pg';
import { OWNER_ROLE } from '../../controller/platform/database/platform-roles.ts';
import type { TenantNames } from './names.ts';
import { POLICY_NAMES, RETENTION_FUNCTIONS } from './tenant-ddl.ts';
import { indexName, TENANT_TABLES } from './tenant-tables/index.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** The seed's validator checks, as far as the schema's version promises them. Empty when all pass. */
export async function validateTenant(db: Queryable, n: TenantNames, version: number): Promise<string[]> {
  if (version < 1) return ['no tenant migration applied'];
  const { rows } = await db.query<{
    schema_exists: boolean;
    tables: { name: string; rls: boolean; forced: boolean; owner: string; has_department: boolean }[] | null;
    policies: string[] | null;
    indexes: string[] | null;
    functions: string[] | null;
  }>(
    `SELECT
       EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
       (SELECT json_agg(json_build_object(
           'name', c.relname, 'rls', c.relrowsecurity, 'forced', c.relforcerowsecurity,
           'owner', pg_get_userbyid(c.relowner),
           'has_department', EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                                     AND a.attname = 'department_id' AND NOT a.attisdropped)))
          FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
         WHERE s.nspname = $1 AND c.relkind = 'r') AS tables,
       (SELECT array_agg(tablename || '.' || policyname) FROM pg_policies WHERE schemaname = $1) AS policies,
       (SELECT array_agg(indexname::text) FROM pg_indexes WHERE schemaname = $1) AS indexes,
       (SELECT array_agg(p.proname::text) FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
         WHERE s.nspname = $1) AS functions`,
    [n.schema],
  );
  const found = rows[0];
  if (!found?.schema_exists) return [`schema ${n.schema} does not exist`];
  const failures: string[] = [];
  const tables = new Map((found.tables ?? []).map((t) => [t.name, t]));
  const policies = new Set(found.policies ?? []);
  const indexes = new Set(found.indexes ?? []);
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
    const functions = new Set(found.functions ?? []);
    const absent = RETENTION_FUNCTIONS.filter((f) => !functions.has(f));
    if (absent.length) failures.push(`missing retention functions: ${absent.join(', ')}`);
  }
  return failures;
}
