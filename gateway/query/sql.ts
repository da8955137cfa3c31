import { escapeIdentifier } from 'pg';
import type { QueryType, SearchType } from '../../crds/cross-department-query.ts';
import { tenantSchemaFor } from '../../crds/names.ts';

/** The grant permission each query type needs (the tenant policies check it again). */
export const PERMISSION: Record<QueryType, 'search' | 'read' | 'aggregate'> = {
  search_documents: 'search',
  search_emails: 'search',
  get_contact: 'read',
  aggregate: 'aggregate',
};

const SNIPPET = `'MaxWords=30, MinWords=10, MaxFragments=1, StartSel=**, StopSel=**'`;

/**
 * Fixed SQL per query type over a tenant schema ($1 the search text, $2 the limit). Only the schema name is
 * interpolated, derived from a validated department id and quoted; results are bounded snippets, never whole
 * documents.
 */
const TEMPLATES: Record<SearchType, (schema: string) => string> = {
  search_documents: (s) => `
    SELECT d.drive_file_id AS id, d.file_name AS title, d.mime_type, d.web_view_link AS url,
           d.drive_modified_time AS modified_at,
           ts_headline('english', left(coalesce(d.extracted_text, ''), 4000), q, ${SNIPPET}) AS snippet,
           round(ts_rank(d.search_vector, q)::numeric, 4)::float8 AS rank
      FROM ${s}.drive_document_repository d, websearch_to_tsquery('english', $1) q
     WHERE d.search_vector @@ q
     ORDER BY rank DESC, d.id
     LIMIT $2`,
  search_emails: (s) => `
    SELECT e.message_id AS id, e.subject, e.from_address AS "from", e.direction, e.sent_at,
           ts_headline('english', left(coalesce(e.body, ''), 4000), q, ${SNIPPET}) AS snippet,
           round(ts_rank(e.search_vector, q)::numeric, 4)::float8 AS rank
      FROM ${s}.email_logs e, websearch_to_tsquery('english', $1) q
     WHERE e.search_vector @@ q
     ORDER BY rank DESC, e.id
     LIMIT $2`,
  // A contact by exact email, or by name prefix: LIKE wildcards in the text are escaped, so `%` and `_` match themselves.
  get_contact: (s) => `
    SELECT c.id, c.name, c.email, c.phone, c.company, c.job_title
      FROM ${s}.contacts c
     WHERE lower(c.email) = lower($1)
        OR lower(c.name) LIKE replace(replace(replace(lower($1), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' ESCAPE '\\'
     ORDER BY c.name, c.id
     LIMIT $2`,
};

const cache = new Map<string, string>();

export function querySql(targetDepartment: string, type: SearchType): string {
  const key = `${targetDepartment}\u0000${type}`;
  let sql = cache.get(key);
  if (!sql) {
    sql = TEMPLATES[type](escapeIdentifier(tenantSchemaFor(targetDepartment)));
    cache.set(key, sql);
  }
  return sql;
}

/**
 * Counts per period as $2 (hour, day, week, month) from $3 to $4. Through a grant the database checks the
 * aggregate permission itself (cross_dept_aggregate); an admin counts directly under the admin-bypass policies.
 */
export const AGGREGATE_SQL = {
  grant: `SELECT to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS period_start,
                 tool_calls::int, emails::int, documents::int
            FROM federation.cross_dept_aggregate($1, $2, $3, $4)`,
  admin: `SELECT to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS period_start,
                 tool_calls::int, emails::int, documents::int
            FROM federation.department_activity($1, $2, $3, $4)`,
} as const;
