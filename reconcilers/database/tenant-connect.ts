import type pg from 'pg';
import { FEDERATION_LOCK } from '../../controller/platform/database/platform-roles.ts';
import type { TenantNames } from './names.ts';
import { ident } from './names.ts';
import type { Drift } from './tenant-role.ts';

/** Next to the federation migration lock, in the platform's advisory-lock key space. */
const DATABASE_ACL_LOCK: [number, number] = [FEDERATION_LOCK[0], 1];

/**
 * Every department shares a database's ACL row: concurrent GRANTs, REVOKEs or DROP OWNED on it fail with "tuple
 * concurrently updated", so they take turns. Taken after the tenant lock (always in that order), held to commit.
 */
export async function lockDatabaseAcl(client: pg.PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', DATABASE_ACL_LOCK);
}

interface AclState {
  /** Other databases on which the role holds privileges of its own (quote_ident-ed names and grantors). */
  elsewhere: { datname: string; db: string; grantor: string }[];
  /** The platform's database, quoted, when the role lacks its own CONNECT there. */
  missingHere?: string;
}

async function observe(client: Pick<pg.Pool, 'query'>, role: string): Promise<AclState> {
  // quote_ident: database and grantor names come from the catalog and may be any identifier.
  const { rows } = await client.query<{ datname: string; db: string; grantor: string; here: boolean }>(
    `SELECT d.datname, quote_ident(d.datname) AS db, quote_ident(pg_get_userbyid(a.grantor)) AS grantor,
            d.datname = current_database() AS here
       FROM pg_database d, aclexplode(d.datacl) a
      WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)
        AND (d.datname <> current_database() OR a.privilege_type = 'CONNECT')`,
    [role],
  );
  const elsewhere = rows.filter((r) => !r.here);
  if (rows.some((r) => r.here)) return { elsewhere };
  const { rows: own } = await client.query<{ db: string }>('SELECT quote_ident(current_database()) AS db');
  return { elsewhere, missingHere: own[0]?.db };
}

/**
 * The tenant role may connect to the platform's database and nowhere else, whatever pg_hba.conf allows:
 * CONNECT here is granted to the role itself (so an operator may revoke it from PUBLIC on this database), and
 * any privilege on another database granted to the role is revoked. What PUBLIC holds on another database is
 * that database's owner's to revoke (a new database grants CONNECT and TEMP to PUBLIC): the platform creates
 * n8n's database without it (e2e/testenv/n8n.ts), and tenant-connect.integration.test.ts proves the refusal.
 * Call it last in the tenant transaction: a change takes a lock held until commit.
 */
export async function confineToPlatformDatabase(client: pg.PoolClient, n: TenantNames): Promise<Drift[]> {
  let state = await observe(client, n.role);
  if (state.elsewhere.length === 0 && state.missingHere === undefined) return [];
  await lockDatabaseAcl(client);
  state = await observe(client, n.role);
  for (const row of state.elsewhere) {
    await client.query(`REVOKE ALL ON DATABASE ${row.db} FROM ${ident(n.role)} GRANTED BY ${row.grantor}`);
  }
  if (state.missingHere) await client.query(`GRANT CONNECT ON DATABASE ${state.missingHere} TO ${ident(n.role)}`);
  return connectDrift(n, state);
}

function connectDrift(n: TenantNames, state: AclState): Drift[] {
  return [...new Set(state.elsewhere.map((r) => r.datname))].map((datname) => ({
    kind: 'ConnectElsewhere' as const,
    detail: `${n.role} had privileges on database ${datname}`,
  }));
}

/** The role's privileges on other databases, read without changing anything. */
export async function findConnectDrift(db: Pick<pg.Pool, 'query'>, n: TenantNames): Promise<Drift[]> {
  return connectDrift(n, await observe(db, n.role));
}
