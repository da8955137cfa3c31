import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PLATFORM_ROLES } from '../../controller/platform/database/platform-roles.ts';
import { isReservedDepartmentName } from '../../crds/names.ts';
import { ident, isValidDepartmentName, type TenantNames, tenantNames } from './names.ts';

export interface RoleLogin {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

const PROBE_DEPARTMENT = '__isolation_probe__';

async function mustFail(client: pg.Client, sql: string, what: string, failures: string[]): Promise<void> {
  await client.query('SAVEPOINT probe');
  try {
    await client.query(sql);
    failures.push(what);
  } catch {
    // expected: the role was refused
  }
  await client.query('ROLLBACK TO SAVEPOINT probe');
}

/** Another department's schema to attack, if one exists. */
async function otherTenant(db: pg.Pool, self: TenantNames): Promise<TenantNames | undefined> {
  const { rows } = await db.query<{ department_id: string }>(
    `SELECT d.department_id FROM federation.departments d JOIN pg_namespace s ON s.nspname = d.tenant_schema
      WHERE d.department_id <> $1 LIMIT 1`,
    [self.department],
  );
  const other = rows[0]?.department_id;
  return other && isValidDepartmentName(other) && !isReservedDepartmentName(other) ? tenantNames(other) : undefined;
}

/**
 * Logs in as the department's role and tries to read what it must not: another department's table, the
 * federation schema, other roles, and a canary row of its own table carrying another department_id.
 * Returns what succeeded that should not have (empty: isolation proven).
 */
export async function proveIsolation(db: pg.Pool, n: TenantNames, login: RoleLogin): Promise<string[]> {
  const failures: string[] = [];
  const canary = `probe-${randomUUID()}`;
  const ownTable = `${ident(n.schema)}.feature_flags`;
  await db.query(`INSERT INTO ${ownTable} (department_id, flag_key) VALUES ($1, $2)`, [PROBE_DEPARTMENT, canary]);
  const client = new pg.Client({ ...login, connectionTimeoutMillis: 10_000 });
  // A broken connection fails the next query (the proof then throws); without a listener it would end the process.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('BEGIN');
    const other = await otherTenant(db, n);
    if (other)
      await mustFail(
        client,
        `SELECT 1 FROM ${ident(other.schema)}.tool_calls LIMIT 1`,
        `read ${other.schema}`,
        failures,
      );
    await mustFail(client, 'SELECT 1 FROM federation.departments LIMIT 1', 'read federation.departments', failures);
    await mustFail(
      client,
      'SELECT 1 FROM federation.cross_dept_permissions LIMIT 1',
      'read federation grants',
      failures,
    );
    for (const role of PLATFORM_ROLES) await mustFail(client, `SET ROLE ${role}`, `SET ROLE ${role}`, failures);
    const visible = async () =>
      (await client.query(`SELECT 1 FROM ${ownTable} WHERE flag_key = $1`, [canary])).rowCount ?? 0;
    if ((await visible()) > 0) failures.push('saw a row of another department in its own table');
    await client.query("SELECT set_config('app.source_department', $1, true)", [PROBE_DEPARTMENT]);
    if ((await visible()) > 0) failures.push('saw another department’s row after setting app.source_department');
    await mustFail(
      client,
      `INSERT INTO ${ownTable} (department_id, flag_key) VALUES ('${PROBE_DEPARTMENT}', 'probe-insert')`,
      'wrote a row for another department',
      failures,
    );
    await client.query('ROLLBACK');
  } finally {
    await client.end().catch(() => undefined);
    await db.query(`DELETE FROM ${ownTable} WHERE flag_key = $1`, [canary]);
  }
  return failures;
}
