import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OWNER_ROLE } from '../../controller/platform/database/platform-roles.ts';
import { generatePassword, scramVerifier } from '../../controller/platform/database/scram.ts';
import { ident, literal, type TenantNames } from '../../reconcilers/database/names.ts';
import { privilegesSql } from '../../reconcilers/database/tenant-ddl.ts';
import { checksum, TENANT_MIGRATIONS } from '../../reconcilers/database/tenant-migrations.ts';

const exec = promisify(execFile);

/** The same DDL the component runs to provision a department, as one psql script (one transaction). */
export function provisionScript(n: TenantNames): string {
  const role = ident(n.role);
  const bookkeeping = TENANT_MIGRATIONS.map(
    (m) =>
      `INSERT INTO federation.schema_migrations (department_id, version, name, checksum) VALUES (${literal(n.department)}, ${m.version}, ${literal(m.name)}, ${literal(checksum(m.up(n)))});`,
  );
  return [
    'BEGIN;',
    `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD ${literal(scramVerifier(generatePassword()))};`,
    `ALTER ROLE ${role} SET search_path = ${ident(n.schema)};`,
    `SET LOCAL ROLE ${OWNER_ROLE};`,
    ...TENANT_MIGRATIONS.map((m) => m.up(n)),
    'RESET ROLE;',
    ...bookkeeping,
    privilegesSql(n),
    'COMMIT;',
  ].join('\n');
}

/** Applies the script with the psql client; returns the wall time in milliseconds. */
export async function applyWithPsql(databaseUrl: string, n: TenantNames): Promise<number> {
  const file = join(tmpdir(), `federation-bench-${n.schema}.sql`);
  await writeFile(file, provisionScript(n));
  const url = new URL(databaseUrl);
  const env = {
    ...process.env,
    PGHOST: url.hostname,
    PGPORT: url.port || '5432',
    PGDATABASE: url.pathname.slice(1),
    PGUSER: decodeURIComponent(url.username),
    PGPASSWORD: decodeURIComponent(url.password),
  };
  const started = performance.now();
  await exec('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file], { env });
  return performance.now() - started;
}
