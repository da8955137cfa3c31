import { createHash } from 'node:crypto';
import { ident, type TenantNames } from './names.ts';
import {
  createTableSql,
  POLICY_NAMES,
  policySql,
  RETENTION_FUNCTIONS,
  retentionFunctionsSql,
  rlsSql,
  schemaSql,
  searchVectorStorageSql,
} from './tenant-ddl.ts';
import { TENANT_TABLES } from './tenant-tables/index.ts';

/**
 * One versioned step of the tenant schema. `up` and `down` return plain SQL scripts that run as
 * `federation_owner` inside the department's migration transaction.
 */
export interface TenantMigration {
  version: number;
  name: string;
  up(n: TenantNames): string;
  down(n: TenantNames): string;
}

export const TENANT_MIGRATIONS: readonly TenantMigration[] = [
  {
    version: 1,
    name: 'create_tables',
    up: (n) => [schemaSql(n), ...TENANT_TABLES.map((t) => createTableSql(n, t))].join('\n'),
    down: (n) => `DROP SCHEMA IF EXISTS ${ident(n.schema)} CASCADE;`,
  },
  {
    version: 2,
    name: 'row_level_security',
    up: (n) => TENANT_TABLES.flatMap((t) => [rlsSql(n, t), ...POLICY_NAMES.map((p) => policySql(n, t, p))]).join('\n'),
    down: (n) =>
      TENANT_TABLES.flatMap((t) => [
        ...POLICY_NAMES.map((p) => `DROP POLICY IF EXISTS ${p} ON ${ident(n.schema)}.${ident(t.name)};`),
        `ALTER TABLE ${ident(n.schema)}.${ident(t.name)} NO FORCE ROW LEVEL SECURITY;`,
        `ALTER TABLE ${ident(n.schema)}.${ident(t.name)} DISABLE ROW LEVEL SECURITY;`,
      ]).join('\n'),
  },
  {
    version: 3,
    name: 'retention_functions',
    up: (n) => retentionFunctionsSql(n),
    down: (n) =>
      [
        `DROP FUNCTION IF EXISTS ${ident(n.schema)}.${RETENTION_FUNCTIONS[0]}();`,
        `DROP FUNCTION IF EXISTS ${ident(n.schema)}.${RETENTION_FUNCTIONS[1]}(interval);`,
      ].join('\n'),
  },
  {
    version: 4,
    name: 'search_vectors_in_row',
    up: (n) => searchVectorStorageSql(n, 'MAIN'),
    down: (n) => searchVectorStorageSql(n, 'EXTENDED'),
  },
];

export const LATEST_VERSION = Math.max(...TENANT_MIGRATIONS.map((m) => m.version));

export function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** The steps that move a schema from `current` to `target` (ups ascending, or downs descending). */
export function plan(
  migrations: readonly TenantMigration[],
  current: number,
  target: number,
): { direction: 'up' | 'down'; migration: TenantMigration }[] {
  if (target >= current) {
    return migrations
      .filter((m) => m.version > current && m.version <= target)
      .sort((a, b) => a.version - b.version)
      .map((migration) => ({ direction: 'up', migration }));
  }
  return migrations
    .filter((m) => m.version <= current && m.version > target)
    .sort((a, b) => b.version - a.version)
    .map((migration) => ({ direction: 'down', migration }));
}
