import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export interface TableFound {
  name: string;
  rls: boolean;
  forced: boolean;
  owner: string;
  has_department: boolean;
}

export interface PolicyFound {
  table: string;
  policy: string;
  /** The policy's name as quote_ident writes it: policies someone added may have any name. */
  quoted: string;
}

/** What Postgres's catalog holds for one tenant schema: what drift repair and validation both check. */
export interface TenantCatalog {
  schemaExists: boolean;
  tables: Map<string, TableFound>;
  policies: PolicyFound[];
  indexes: Set<string>;
  functions: Set<string>;
  /** Foreign keys as `<table>.<first column>`. */
  references: Set<string>;
}

/** Reads a tenant schema's tables, policies, indexes, functions and foreign keys in one query. */
export async function readTenantCatalog(db: Queryable, schema: string): Promise<TenantCatalog> {
  const { rows } = await db.query<{
    schema_exists: boolean;
    tables: TableFound[] | null;
    policies: PolicyFound[] | null;
    indexes: string[] | null;
    functions: string[] | null;
    references: string[] | null;
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
       (SELECT json_agg(json_build_object('table', tablename, 'policy', policyname, 'quoted', quote_ident(policyname)))
          FROM pg_policies WHERE schemaname = $1) AS policies,
       (SELECT array_agg(indexname::text) FROM pg_indexes WHERE schemaname = $1) AS indexes,
       (SELECT array_agg(p.proname::text) FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
         WHERE s.nspname = $1) AS functions,
       (SELECT array_agg(c.relname || '.' || a.attname)
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace s ON s.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
         WHERE s.nspname = $1 AND k.contype = 'f') AS references`,
    [schema],
  );
  const found = rows[0];
  return {
    schemaExists: found?.schema_exists === true,
    tables: new Map((found?.tables ?? []).map((t) => [t.name, t])),
    policies: found?.policies ?? [],
    indexes: new Set(found?.indexes ?? []),
    functions: new Set(found?.functions ?? []),
    references: new Set(found?.references ?? []),
  };
}
