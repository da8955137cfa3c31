import type { QueryType } from '../../../crds/cross-department-query.ts';

/** One tenant table as a careful DBA would write it; `department_id` is added to every table by the renderer. */
export interface TenantTable {
  /** One of crds/tenant-tables.ts's TENANT_TABLE_NAMES (tenant-migrations.test.ts checks they match). */
  name: string;
  /**
   * Column and table-constraint definitions. `@schema` stands for the quoted tenant schema (for references
   * between tenant tables); nothing else is substituted.
   */
  columns: string[];
  /** Index name suffix (`idx_<table>_<suffix>`) to what follows `ON <table>`, e.g. `(session_id)`. */
  indexes: Record<string, string>;
  /** The gateway query type allowed to read this table across departments; no cross-department reads when absent. */
  crossDeptQueryType?: QueryType;
}

export const createdAt = 'created_at TIMESTAMPTZ NOT NULL DEFAULT now()';
export const updatedAt = 'updated_at TIMESTAMPTZ NOT NULL DEFAULT now()';
export const uuidKey = 'id UUID PRIMARY KEY DEFAULT gen_random_uuid()';
export const serialKey = 'id BIGSERIAL PRIMARY KEY';

/** A stored tsvector the gateway searches with `search_vector @@ websearch_to_tsquery('english', $1)`. */
export function searchVector(...columns: string[]): string {
  const text = columns.map((c) => `coalesce(${c}, '')`).join(` || ' ' || `);
  return `search_vector TSVECTOR NOT NULL GENERATED ALWAYS AS (to_tsvector('english'::regconfig, ${text})) STORED`;
}

export function indexName(table: string, suffix: string): string {
  return `idx_${table}_${suffix}`;
}
