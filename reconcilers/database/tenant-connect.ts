import type pg from 'pg';
import type { TenantNames } from './names.ts';
import { ident } from './names.ts';
import type { Drift } from './tenant-role.ts';

/**
 * The tenant role may connect to the platform's database and nowhere else, whatever pg_hba.conf allows:
 * CONNECT here is granted to the role itself (so an operator may revoke it from PUBLIC on this database), and
 * any privilege on another database granted to the role is revoked. What PUBLIC holds on another database is
 * that database's owner's to revoke (a new database grants CONNECT and TEMP to PUBLIC): the platform creates
 * n8n's database without it (e2e/testenv/n8n.ts), and tenant-connect.integration.test.ts proves the refusal.
 */
export async function confineToPlatformDatabase(client: pg.PoolClient, n: TenantNames): Promise<Drift[]> {
  // quote_ident: database and grantor names come from the catalog and may be any identifier.
  const { rows } = await client.query<{ datname: string; db: string; grantor: string }>(
    `SELECT DISTINCT d.datname, quote_ident(d.datname) AS db, quote_ident(pg_get_userbyid(a.grantor)) AS grantor
       FROM pg_database d, aclexplode(d.datacl) a
      WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) AND d.datname <> current_database()`,
    [n.role],
  );
  for (const row of rows) {
    await client.query(`REVOKE ALL ON DATABASE ${row.db} FROM ${ident(n.role)} GRANTED BY ${row.grantor}`);
  }
  const { rows: own } = await client.query<{ db: string; granted: boolean }>(
    `SELECT quote_ident(current_database()) AS db, EXISTS (
       SELECT 1 FROM pg_database d, aclexplode(d.datacl) a
        WHERE d.datname = current_database() AND a.privilege_type = 'CONNECT'
          AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)) AS granted`,
    [n.role],
  );
  if (own[0] && !own[0].granted) await client.query(`GRANT CONNECT ON DATABASE ${own[0].db} TO ${ident(n.role)}`);
  return [...new Set(rows.map((r) => r.datname))].map((datname) => ({
    kind: 'ConnectElsewhere' as const,
    detail: `${n.role} had privileges on database ${datname}`,
  }));
}
