import type pg from 'pg';
import { OWNER_ROLE } from '../../controller/platform/database/platform-roles.ts';
import { ident, type TenantNames } from './names.ts';
import { readTenantCatalog, type TenantCatalog } from './tenant-catalog.ts';
import {
  createTableSql,
  POLICY_NAMES,
  policySql,
  privilegesSql,
  RETENTION_FUNCTIONS,
  retentionFunctionsSql,
  rlsSql,
} from './tenant-ddl.ts';
import type { Drift } from './tenant-role.ts';
import { indexName, TENANT_TABLES, type TenantTable } from './tenant-tables/index.ts';

const RLS_VERSION = 2;
const RETENTION_VERSION = 3;
const TENANT_TABLE_NAMES = new Set<string>(TENANT_TABLES.map((t) => t.name));
/** Tenant tables declare references inline, `<column> <type> REFERENCES @schema.<table> (<column>) <action>`. */
const INLINE_REFERENCE = /^(\w+) .*REFERENCES @schema\.(\w+) \((\w+)\)(.*)$/;

function inlineReferences(table: TenantTable) {
  return table.columns.flatMap((c) => {
    const m = c.match(INLINE_REFERENCE);
    return m
      ? [{ column: m[1] as string, parent: m[2] as string, parentColumn: m[3] as string, rest: m[4] ?? '' }]
      : [];
  });
}

interface SchemaRepair {
  drift: Drift[];
  /** Run as the session user: only it can take a table back from another owner. */
  ownerRepairs: string[];
  /** Run as federation_owner, so that what is recreated is owned like what the migrations created. */
  repairs: string[];
  /** A table was recreated: its privileges are granted again. */
  recreated: boolean;
}

/**
 * What differs in a tenant schema from what its version declares, and the SQL that repairs it: tables, indexes
 * and retention functions dropped (recreated: a dropped table's rows are lost, which the caller reports),
 * references lost with a table dropped CASCADE, RLS disabled or not forced, policies dropped or added, tables
 * handed to another owner. A table that lost its department_id column cannot carry the policies and is left for
 * validation to report as unrepairable.
 */
function planSchemaRepair(catalog: TenantCatalog, n: TenantNames, version: number): SchemaRepair {
  const { tables, policies, indexes, functions, references } = catalog;
  const drift: Drift[] = [];
  const ownerRepairs: string[] = [];
  const repairs: string[] = [];
  let recreated = false;
  for (const table of TENANT_TABLES) {
    const found = tables.get(table.name);
    const qualified = `${ident(n.schema)}.${ident(table.name)}`;
    if (!found) {
      drift.push({ kind: 'TableMissing', detail: `table ${table.name} was missing and was recreated empty` });
      repairs.push(createTableSql(n, table));
      if (version >= RLS_VERSION) repairs.push(rlsSql(n, table), ...POLICY_NAMES.map((p) => policySql(n, table, p)));
      recreated = true;
      continue;
    }
    if (found.owner !== OWNER_ROLE) {
      drift.push({ kind: 'OwnerChanged', detail: `${table.name} was owned by ${found.owner}` });
      ownerRepairs.push(`ALTER TABLE ${qualified} OWNER TO ${OWNER_ROLE};`);
    }
    for (const [suffix, definition] of Object.entries(table.indexes)) {
      const name = indexName(table.name, suffix);
      if (indexes.has(name)) continue;
      drift.push({ kind: 'IndexMissing', detail: `index ${name} was missing` });
      repairs.push(`CREATE INDEX ${ident(name)} ON ${qualified} ${definition};`);
    }
    for (const ref of inlineReferences(table)) {
      if (references.has(`${table.name}.${ref.column}`)) continue;
      // DROP TABLE <parent> CASCADE took the reference with it. NOT VALID: rows that pointed at the lost parent
      // rows keep their value; new rows are checked again.
      drift.push({
        kind: 'ForeignKeyMissing',
        detail: `${table.name}.${ref.column} no longer referenced ${ref.parent}; restored for new rows`,
      });
      repairs.push(
        `ALTER TABLE ${qualified} ADD FOREIGN KEY (${ident(ref.column)}) REFERENCES ${ident(n.schema)}.${ident(ref.parent)} (${ident(ref.parentColumn)})${ref.rest} NOT VALID;`,
      );
    }
    if (version < RLS_VERSION || !found.has_department) continue;
    if (!(found.rls && found.forced)) {
      drift.push({ kind: 'RlsDisabled', detail: `row-level security was not enabled and forced on ${table.name}` });
      repairs.push(rlsSql(n, table));
    }
    for (const policy of POLICY_NAMES) {
      if (policies.some((p) => p.table === table.name && p.policy === policy)) continue;
      drift.push({ kind: 'PolicyMissing', detail: `policy ${policy} was missing on ${table.name}` });
      repairs.push(policySql(n, table, policy));
    }
  }
  if (version >= RLS_VERSION) {
    const expected = new Set<string>(POLICY_NAMES);
    for (const p of policies) {
      if (expected.has(p.policy) || !TENANT_TABLE_NAMES.has(p.table)) continue;
      drift.push({ kind: 'PolicyAdded', detail: `unexpected policy ${p.policy} on ${p.table} was dropped` });
      repairs.push(`DROP POLICY ${p.quoted} ON ${ident(n.schema)}.${ident(p.table)};`);
    }
  }
  if (version >= RETENTION_VERSION && RETENTION_FUNCTIONS.some((f) => !functions.has(f))) {
    const missing = RETENTION_FUNCTIONS.filter((f) => !functions.has(f));
    drift.push({ kind: 'FunctionMissing', detail: `retention functions ${missing.join(', ')} were missing` });
    repairs.push(retentionFunctionsSql(n));
  }
  return { drift, ownerRepairs, repairs, recreated };
}

/** Whether the tenant schema exists, and its drift at `version`, read without changing anything. */
export async function findSchemaDrift(
  db: Pick<pg.Pool, 'query'>,
  n: TenantNames,
  version: number,
): Promise<{ exists: boolean; drift: Drift[] }> {
  const catalog = await readTenantCatalog(db, n.schema);
  if (!catalog.schemaExists || version < 1) return { exists: catalog.schemaExists, drift: [] };
  return { exists: true, drift: planSchemaRepair(catalog, n, version).drift };
}

/** Finds and repairs the schema drift of a tenant at `version` (see planSchemaRepair). Runs inside the tenant lock. */
export async function repairSchemaDrift(client: pg.PoolClient, n: TenantNames, version: number): Promise<Drift[]> {
  if (version < 1) return [];
  const { drift, ownerRepairs, repairs, recreated } = planSchemaRepair(
    await readTenantCatalog(client, n.schema),
    n,
    version,
  );
  if (ownerRepairs.length > 0) await client.query(ownerRepairs.join('\n'));
  if (repairs.length > 0) {
    await client.query(`SET LOCAL ROLE ${OWNER_ROLE}`);
    await client.query(repairs.join('\n'));
    await client.query('RESET ROLE');
  }
  if (recreated) await client.query(privilegesSql(n));
  return drift;
}
