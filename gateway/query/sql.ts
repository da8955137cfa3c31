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
 * The words of the query as lowercase prefixes of the words they stem from, once per statement: each lexeme of
 * the tsquery's text without a last i or e (snowball writes policy as polici and hiring as hire).
 */
const QUERY_PREFIXES = `LATERAL (SELECT array(
             SELECT DISTINCT regexp_replace(replace(w[1], '''''', ''''), '(..)[ie]$', '\\1')
               FROM regexp_matches(q::text, '''((?:[^'']|'''')+)''', 'g') w) AS prefixes) p`;

/**
 * The part of each kept text that ts_headline reads. ts_headline parses all the text it is given, about 0.13 µs
 * of database CPU a character (10 documents of 2,000 characters: 40 % of a search). It reads from 150 characters
 * before the first occurrence of a query word to 300 after the first occurrence of the last one, so every query
 * word the text holds is inside; when none occurs, the first 300 characters, where ts_headline takes its
 * fragment from anyway. OFFSET 0 keeps the text decompressed and lowered once per row, not once per use.
 */
const SNIPPET_WINDOW = `LATERAL (SELECT t.body, lower(t.body) AS low
                      FROM (SELECT left(coalesce(r.body, ''), 4000) AS body OFFSET 0) t OFFSET 0) b,
           LATERAL (SELECT greatest(1, coalesce(min(f.at), 1) - 150) AS lo, coalesce(max(f.at), 1) AS hi
                      FROM unnest(r.prefixes) x, LATERAL (SELECT nullif(strpos(b.low, x), 0) AS at) f) m`;

/** A timestamp as JSON shows a JavaScript Date: UTC, milliseconds, `Z` (the search's rows reach the gateway as JSON). */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const SNIPPET_COLUMN = `ts_headline('english', substr(b.body, m.lo, m.hi - m.lo + 300), r.q, ${SNIPPET}) AS snippet`;

/** The rank as the API shows it: four decimal places. */
const RANK_COLUMN = 'round(r.rank::numeric, 4)::float8 AS rank';

/**
 * Fixed SQL per query type over a tenant schema ($1 the search text, $2 the limit). Only the schema name is
 * interpolated, derived from a validated department id and quoted; results are bounded snippets, never whole
 * documents. A ranked search sorts its matches in an inner query and builds snippets for the rows it keeps. It
 * sorts by ts_rank's own real and rounds only the rows it keeps to the four places it shows: rounding every match
 * through numeric, and sorting numerics, was about 7 % of a search's database CPU (median 180 matches; pgbench,
 * medians of 8 runs each way). Only ranks that differ past the fourth place can come out in another order than
 * before, still highest first.
 */
const TEMPLATES: Record<SearchType, (schema: string) => string> = {
  search_documents: (s) => `
    SELECT r.id, r.title, r.mime_type, r.url, ${iso('r.modified_at')} AS modified_at, ${SNIPPET_COLUMN}, ${RANK_COLUMN}
      FROM (SELECT d.drive_file_id AS id, d.file_name AS title, d.mime_type, d.web_view_link AS url,
                   d.drive_modified_time AS modified_at, d.extracted_text AS body, d.id AS n, q, p.prefixes,
                   ts_rank(d.search_vector, q) AS rank
              FROM websearch_to_tsquery('english', $1) q, ${QUERY_PREFIXES}, ${s}.drive_document_repository d
             WHERE d.search_vector @@ q
             ORDER BY rank DESC, d.id
             LIMIT $2) r,
           ${SNIPPET_WINDOW}
     ORDER BY r.rank DESC, r.n`,
  search_emails: (s) => `
    SELECT r.id, r.subject, r."from", r.direction, ${iso('r.sent_at')} AS sent_at, ${SNIPPET_COLUMN}, ${RANK_COLUMN}
      FROM (SELECT e.message_id AS id, e.subject, e.from_address AS "from", e.direction, e.sent_at, e.body,
                   e.id AS n, q, p.prefixes, ts_rank(e.search_vector, q) AS rank
              FROM websearch_to_tsquery('english', $1) q, ${QUERY_PREFIXES}, ${s}.email_logs e
             WHERE e.search_vector @@ q
             ORDER BY rank DESC, e.id
             LIMIT $2) r,
           ${SNIPPET_WINDOW}
     ORDER BY r.rank DESC, r.n`,
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
