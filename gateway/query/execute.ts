import type pg from 'pg';
import { ADMIN_ROLE, CROSS_DEPT_ROLE } from '../../controller/platform/database/platform-roles.ts';
import type { AggregateRequest, CrossDeptQueryRequest, SearchRequest } from '../../crds/cross-department-query.ts';
import { type AuditRecord, writeAudit } from '../audit/record.ts';
import { AGGREGATE_SQL, PERMISSION, querySql } from './sql.ts';

export type QueryVerdict =
  | { kind: 'unknown_target' }
  | { kind: 'no_grant' }
  | { kind: 'allowed'; results: Record<string, unknown>[] };

/** grant: as cross_dept_query_role under a CrossDepartmentGrant; admin: as federation_admin_role. */
export type Access = 'grant' | 'admin';

export interface QueryRun {
  source: string;
  access: Access;
  request: CrossDeptQueryRequest;
  /** The audit row written in the same transaction when the query is allowed (results_returned filled in). */
  audit: Omit<AuditRecord, 'resultsReturned' | 'latencyMs' | 'accessPath'>;
  startedAt: number;
}

/** The role and settings of a grant query, transaction-local ($1 role, $2 source, $3 permission). */
const ENTER_QUERY_ROLE = `set_config('role', $1, true), set_config('app.source_department', $2, true),
  set_config('app.cross_dept_permission', $3, true)`;

/**
 * Sets the transaction-local role and settings the tenant policies read; nothing survives the transaction, so
 * nothing leaks to the next user of the pooled connection.
 */
export async function enterQueryRole(client: pg.PoolClient, source: string, permission: string): Promise<void> {
  await client.query({
    name: 'xq:enter:grant',
    text: `SELECT ${ENTER_QUERY_ROLE}`,
    values: [CROSS_DEPT_ROLE, source, permission],
  });
}

/**
 * Becomes federation_admin_role for this transaction only. The gateway's login role may SET ROLE to it but
 * does not inherit it (gateway-role.ts), so outside such a transaction it has no admin rights.
 */
export async function enterAdminRole(client: pg.PoolClient): Promise<void> {
  await client.query("SELECT set_config('role', $1, true), set_config('app.source_department', '', true)", [
    ADMIN_ROLE,
  ]);
}

/** Runs the fixed SQL of a search type against the target's schema (inside a transaction set up as above). */
export async function runTenantQuery(
  client: pg.PoolClient,
  target: string,
  request: Pick<SearchRequest, 'query_type' | 'query_params'>,
): Promise<Record<string, unknown>[]> {
  const { rows } = await client.query({
    name: `xq:${target}:${request.query_type}`,
    text: querySql(target, request.query_type),
    values: [request.query_params.query, request.query_params.limit],
  });
  return rows;
}

/** Counts by period; 30 days up to now unless the request bounds it. */
export async function runAggregate(
  client: pg.PoolClient,
  access: Access,
  target: string,
  params: AggregateRequest['query_params'],
): Promise<Record<string, unknown>[]> {
  const until = params.until ? new Date(params.until) : new Date();
  const since = params.since ? new Date(params.since) : new Date(until.getTime() - 30 * 86_400_000);
  const { rows } = await client.query({
    name: `xq:aggregate:${access}`,
    text: AGGREGATE_SQL[access],
    values: [target, params.period, since, until],
  });
  return rows;
}

/**
 * Enters the role (as enterQueryRole / enterAdminRole do) and checks the target and the grant, in one statement:
 * the check reads only its parameters, never the settings the same statement sets. $1 role, $2 source,
 * $3 permission, $4 target, $5 query type.
 */
const ENTER_AND_CHECK_SQL = {
  grant: `SELECT ${ENTER_QUERY_ROLE}, d.status, federation.cross_dept_allowed($2, $3, $4, $5) AS allowed
            FROM (SELECT 1) one LEFT JOIN federation.departments d ON d.department_id = $4`,
  admin: `SELECT set_config('role', $1, true), set_config('app.source_department', '', true), d.status,
                 true AS allowed
            FROM (SELECT $2::text, $3::text, $5::text) one LEFT JOIN federation.departments d ON d.department_id = $4`,
} as const;

/**
 * A search (search_documents, search_emails, get_contact) in one round trip: federation.cross_dept_search
 * (migration 0011) checks the target and the grant, becomes the query role, runs the fixed statement of
 * sql.ts and writes the audit row, all in the statement's own transaction. The rows come back as one JSON array.
 */
const SEARCH_SQL = `SELECT verdict, results, results_count
  FROM federation.cross_dept_search($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`;

async function executeSearch(pool: pg.Pool, run: QueryRun, request: SearchRequest): Promise<QueryVerdict> {
  const { audit, access, source } = run;
  const target = request.target_department_id;
  const { rows } = await pool.query<{ verdict: string; results: Record<string, unknown>[] | null }>({
    name: 'xq:search',
    text: SEARCH_SQL,
    values: [
      access,
      source,
      PERMISSION[request.query_type],
      target,
      request.query_type,
      querySql(target, request.query_type),
      request.query_params.query,
      request.query_params.limit,
      audit.id,
      audit.params === undefined ? null : JSON.stringify(audit.params),
      audit.sessionId,
      audit.userEmail,
      audit.requester.subject,
      audit.requester.issuer,
      audit.requester.role,
      performance.now() - run.startedAt,
    ],
  });
  const verdict = rows[0]?.verdict;
  if (verdict === 'allowed') return { kind: 'allowed', results: rows[0]?.results ?? [] };
  return { kind: verdict === 'no_grant' ? 'no_grant' : 'unknown_target' };
}

/**
 * One transaction on one pooled connection: become cross_dept_query_role (or, for an admin,
 * federation_admin_role) and check the target and the grant (the database's RLS checks the grant again), run
 * the query, write the audit row. If the audit row cannot be written the transaction fails and no data is
 * returned. A search takes one statement (executeSearch); an aggregate, whose statement and parameters differ,
 * the five below.
 */
export async function executeCrossDeptQuery(pool: pg.Pool, run: QueryRun): Promise<QueryVerdict> {
  const { request, source, access } = run;
  if (request.query_type !== 'aggregate') return executeSearch(pool, run, request);
  const target = request.target_department_id;
  const permission = PERMISSION[request.query_type];
  const client = await pool.connect();
  let release: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{ status: string | null; allowed: boolean }>({
        name: `xq:enter-check:${access}`,
        text: ENTER_AND_CHECK_SQL[access],
        values: [access === 'admin' ? ADMIN_ROLE : CROSS_DEPT_ROLE, source, permission, target, request.query_type],
      });
      const check = rows[0];
      if (check?.status !== 'ACTIVE') {
        await client.query('ROLLBACK');
        return { kind: 'unknown_target' };
      }
      if (!check.allowed) {
        await client.query('ROLLBACK');
        return { kind: 'no_grant' };
      }
      const results = await runAggregate(client, access, target, request.query_params);
      await writeAudit(client, {
        ...run.audit,
        accessPath: access,
        resultsReturned: results.length,
        latencyMs: performance.now() - run.startedAt,
      });
      await client.query('COMMIT');
      return { kind: 'allowed', results };
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        release = rollbackError; // a connection that cannot roll back must not return to the pool
      });
      throw err;
    }
  } finally {
    client.release(release);
  }
}
