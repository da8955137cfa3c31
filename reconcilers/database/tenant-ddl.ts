import { ADMIN_ROLE, CROSS_DEPT_ROLE, OWNER_ROLE } from '../../controller/platform/database/platform-roles.ts';
import { ident, literal, type TenantNames } from './names.ts';
import { APPEND_ONLY_TABLES, indexName, TENANT_TABLES, type TenantTable } from './tenant-tables/index.ts';

/** The three policy kinds every tenant table carries. */
export const POLICY_NAMES = ['tenant_isolation', 'admin_bypass', 'cross_dept_read'] as const;

function qualified(n: TenantNames, table: string): string {
  return `${ident(n.schema)}.${ident(table)}`;
}

export function createTableSql(n: TenantNames, table: TenantTable): string {
  const columns = [`department_id VARCHAR(100) NOT NULL DEFAULT ${literal(n.department)}`, ...table.columns];
  const body = columns.map((c) => `  ${c.replaceAll('@schema', ident(n.schema))}`).join(',\n');
  const indexes = Object.entries(table.indexes).map(
    ([suffix, definition]) =>
      `CREATE INDEX ${ident(indexName(table.name, suffix))} ON ${qualified(n, table.name)} ${definition};`,
  );
  return [`CREATE TABLE ${qualified(n, table.name)} (\n${body}\n);`, ...indexes].join('\n');
}

/** One policy of one table; used by the RLS migration and by drift repair. */
export function policySql(n: TenantNames, table: TenantTable, policy: (typeof POLICY_NAMES)[number]): string {
  const on = `CREATE POLICY ${policy} ON ${qualified(n, table.name)}`;
  const own = `department_id = ${literal(n.department)}`;
  switch (policy) {
    case 'tenant_isolation':
      return `${on} FOR ALL TO ${ident(n.role)} USING (${own}) WITH CHECK (${own});`;
    case 'admin_bypass':
      return `${on} FOR ALL TO ${ADMIN_ROLE} USING (true) WITH CHECK (true);`;
    case 'cross_dept_read': {
      const queryType = table.crossDeptQueryType ? literal(table.crossDeptQueryType) : 'NULL';
      // The sub-select makes Postgres evaluate the grant check once per query, not once per row.
      const allowed =
        `(SELECT federation.cross_dept_allowed(current_setting('app.source_department', true), ` +
        `current_setting('app.cross_dept_permission', true), ${literal(n.department)}, ${queryType}))`;
      return `${on} FOR SELECT TO ${CROSS_DEPT_ROLE} USING (${own} AND ${allowed});`;
    }
  }
}

/** The tables that carry a stored search_vector (the gateway's full-text searches). */
export const SEARCH_TABLES = TENANT_TABLES.filter((t) => t.columns.some((c) => c.startsWith('search_vector ')));

/**
 * Where each row's search_vector is kept. MAIN keeps it in the row (compressed when that helps, moved out only
 * when the row could not fit a page otherwise); under the default EXTENDED a vector of a 2,000-character document
 * (about 2.7 kB) goes to the TOAST table, and ranking a search's matches then reads every one of them back from
 * there: measured on 10,000 bench documents, 1.8 ms of database CPU for the ranked search instead of 1.1 ms.
 * Rows written before take the new storage when they are next written.
 */
export function searchVectorStorageSql(n: TenantNames, storage: 'MAIN' | 'EXTENDED'): string {
  return SEARCH_TABLES.map(
    (t) => `ALTER TABLE ${qualified(n, t.name)} ALTER COLUMN search_vector SET STORAGE ${storage};`,
  ).join('\n');
}

export function rlsSql(n: TenantNames, table: TenantTable): string {
  const t = qualified(n, table.name);
  return `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;\nALTER TABLE ${t} FORCE ROW LEVEL SECURITY;`;
}

/**
 * Privileges, re-applied after every migration and on every reconcile (GRANT is idempotent): the department
 * role gets USAGE on its schema and the DML it needs; no TRUNCATE (it ignores RLS), no REFERENCES, no TRIGGER.
 */
export function privilegesSql(n: TenantNames): string {
  const s = ident(n.schema);
  const role = ident(n.role);
  const appendOnly = TENANT_TABLES.filter((t) => APPEND_ONLY_TABLES.has(t.name)).map((t) => qualified(n, t.name));
  return [
    `REVOKE ALL ON SCHEMA ${s} FROM PUBLIC;`,
    `GRANT USAGE ON SCHEMA ${s} TO ${role}, ${ADMIN_ROLE}, ${CROSS_DEPT_ROLE};`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${role}, ${ADMIN_ROLE};`,
    ...(appendOnly.length ? [`REVOKE UPDATE, DELETE ON ${appendOnly.join(', ')} FROM ${role};`] : []),
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${role}, ${ADMIN_ROLE};`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${CROSS_DEPT_ROLE};`,
  ].join('\n');
}

/**
 * The seed's per-tenant retention functions; each returns the number of rows removed. Replaceable, because their
 * bodies name the schema: a rename (tenant-claim.ts) or a dropped function (tenant-drift.ts) re-runs this.
 */
export function retentionFunctionsSql(n: TenantNames): string {
  const s = ident(n.schema);
  const fn = (name: string, args: string, argTypes: string, body: string) =>
    `CREATE OR REPLACE FUNCTION ${s}.${name}(${args}) RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE removed integer;
BEGIN
  ${body}
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END
$fn$;
REVOKE ALL ON FUNCTION ${s}.${name}(${argTypes}) FROM PUBLIC;`;
  return [
    fn('cleanup_expired_session_context', '', '', `DELETE FROM ${s}.session_context WHERE expires_at < now();`),
    fn(
      'archive_old_conversation_history',
      "retention interval DEFAULT interval '2 years'",
      'interval',
      `DELETE FROM ${s}.conversation_history WHERE created_at < now() - retention;`,
    ),
  ].join('\n');
}

export const RETENTION_FUNCTIONS = ['cleanup_expired_session_context', 'archive_old_conversation_history'];

/**
 * The schema, and the helper the tables' generated columns use. Adding seconds to a timestamptz does not
 * depend on the time zone, so the helper is truly immutable (the `+` operator itself is only marked stable).
 */
export function schemaSql(n: TenantNames): string {
  const s = ident(n.schema);
  return `CREATE SCHEMA ${s} AUTHORIZATION ${OWNER_ROLE};
CREATE FUNCTION ${s}.session_expiry(created timestamptz, ttl_seconds integer) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN created + ttl_seconds * interval '1 second';`;
}
