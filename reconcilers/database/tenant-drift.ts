import type pg from 'pg';
import { OWNER_ROLE } from '../../controller/platform/database/platform-roles.ts';
import { ident, type TenantNames } from './names.ts';
import { POLICY_NAMES, policySql, rlsSql } from './tenant-ddl.ts';
import type { Drift } from './tenant-role.ts';
import { TENANT_TABLES } from './tenant-tables/index.ts';

const RLS_VERSION = 2;
const TENANT_TABLE_NAMES = new Set(TENANT_TABLES.map((t) => t.name));

/**
 * Finds and repairs changes made behind the operator's back in the tenant schema: RLS disabled or not forced,
 * policies dropped or added, tables handed to another owner. Runs inside the tenant lock.
 */
export async function repairSchemaDrift(client: pg.PoolClient, n: TenantNames, version: number): Promise<Drift[]> {
  if (version < 1) return [];
  const drift: Drift[] = [];
  const { rows: tables } = await client.query<{ name: string; rls: boolean; forced: boolean; owner: string }>(
    `SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced, o.rolname AS owner
       FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace JOIN pg_roles o ON o.oid = c.relowner
      WHERE s.nspname = $1 AND c.relkind = 'r'`,
    [n.schema],
  );
  const byName = new Map(tables.map((t) => [t.name, t]));
  const repairs: string[] = [];
  for (const table of TENANT_TABLES) {
    const found = byName.get(table.name);
    if (!found) continue; // a missing table is a validation failure, not drift we can repair in place
    const qualified = `${ident(n.schema)}.${ident(table.name)}`;
    if (found.owner !== OWNER_ROLE) {
      drift.push({ kind: 'OwnerChanged', detail: `${table.name} was owned by ${found.owner}` });
      repairs.push(`ALTER TABLE ${qualified} OWNER TO ${OWNER_ROLE};`);
    }
    if (version >= RLS_VERSION && !(found.rls && found.forced)) {
      drift.push({ kind: 'RlsDisabled', detail: `row-level security was not enabled and forced on ${table.name}` });
      repairs.push(rlsSql(n, table));
    }
  }
  if (version >= RLS_VERSION) {
    const { rows: policies } = await client.query<{ table: string; policy: string; quoted: string }>(
      `SELECT tablename AS table, policyname AS policy, quote_ident(policyname) AS quoted
         FROM pg_policies WHERE schemaname = $1`,
      [n.schema],
    );
    const present = new Set(policies.map((p) => `${p.table}.${p.policy}`));
    const expected = new Set<string>(TENANT_TABLES.flatMap((t) => POLICY_NAMES.map((p) => `${t.name}.${p}`)));
    for (const table of TENANT_TABLES) {
      if (!byName.has(table.name)) continue;
      for (const policy of POLICY_NAMES) {
        if (present.has(`${table.name}.${policy}`)) continue;
        drift.push({ kind: 'PolicyMissing', detail: `policy ${policy} was missing on ${table.name}` });
        repairs.push(policySql(n, table, policy));
      }
    }
    for (const p of policies) {
      if (expected.has(`${p.table}.${p.policy}`) || !TENANT_TABLE_NAMES.has(p.table)) continue;
      drift.push({ kind: 'PolicyAdded', detail: `unexpected policy ${p.policy} on ${p.table} was dropped` });
      repairs.push(`DROP POLICY ${p.quoted} ON ${ident(n.schema)}.${ident(p.table)};`);
    }
  }
  if (repairs.length > 0) await client.query(repairs.join('\n'));
  return drift;
}
