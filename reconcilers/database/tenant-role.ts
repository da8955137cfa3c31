import type pg from 'pg';
import { isScramVerifier, scramVerifier, verifierMatches } from '../../controller/platform/database/scram.ts';
import { ident, literal, type TenantNames } from './names.ts';
import { commentOwnership } from './tenant-claim.ts';

/** Something found different from the declared state, and repaired. Never carries a secret. */
export interface Drift {
  kind:
    | 'BypassRlsAdded'
    | 'RolePrivilegeAdded'
    | 'ExtraRoleGranted'
    | 'RlsDisabled'
    | 'PolicyMissing'
    | 'PolicyAdded'
    | 'OwnerChanged'
    | 'ConnectElsewhere'
    | 'TableMissing'
    | 'IndexMissing'
    | 'FunctionMissing'
    | 'ForeignKeyMissing';
  detail: string;
}

const SAFE_ATTRIBUTES = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';

interface RoleRow {
  rolcanlogin: boolean;
  rolbypassrls: boolean;
  rolsuper: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolreplication: boolean;
  rolconfig: string[] | null;
}

async function storedVerifier(client: pg.PoolClient, role: string): Promise<string | null | undefined> {
  await client.query('SAVEPOINT read_verifier');
  try {
    const { rows } = await client.query<{ rolpassword: string | null }>(
      'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
      [role],
    );
    await client.query('RELEASE SAVEPOINT read_verifier');
    return rows[0]?.rolpassword;
  } catch {
    // Not a superuser: pg_authid is unreadable, so the password is always (re)set.
    await client.query('ROLLBACK TO SAVEPOINT read_verifier');
    return undefined;
  }
}

async function setPassword(client: pg.PoolClient, role: string, password: string, create: boolean): Promise<void> {
  const verifier = scramVerifier(password);
  if (!isScramVerifier(verifier)) throw new Error('generated an invalid SCRAM verifier');
  const verb = create ? 'CREATE' : 'ALTER';
  try {
    await client.query(`${verb} ROLE ${ident(role)} LOGIN ${SAFE_ATTRIBUTES} PASSWORD ${literal(verifier)}`);
  } catch (error) {
    // Postgres errors here could echo the statement; report the SQLSTATE only.
    throw new Error(`${verb} ROLE ${role} failed (SQLSTATE ${(error as { code?: string }).code ?? 'unknown'})`);
  }
}

type Queryable = Pick<pg.Pool, 'query'>;

async function readRole(db: Queryable, role: string): Promise<RoleRow | undefined> {
  const { rows } = await db.query<RoleRow>(
    `SELECT rolcanlogin, rolbypassrls, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolconfig
       FROM pg_roles WHERE rolname = $1`,
    [role],
  );
  return rows[0];
}

/** Dangerous attributes the role has been given. */
function attributeDrift(role: RoleRow, n: TenantNames): Drift[] {
  const drift: Drift[] = [];
  if (role.rolbypassrls) drift.push({ kind: 'BypassRlsAdded', detail: `${n.role} had BYPASSRLS` });
  const extra = (['rolsuper', 'rolcreaterole', 'rolcreatedb', 'rolreplication'] as const).filter((a) => role[a]);
  if (extra.length) drift.push({ kind: 'RolePrivilegeAdded', detail: `${n.role} had ${extra.join(', ')}` });
  return drift;
}

/** The roles the tenant role has been made a member of (it should be a member of none). */
async function memberships(db: Queryable, n: TenantNames) {
  // quote_ident: the granted role's name comes from the catalog and may be any identifier.
  const { rows } = await db.query<{ granted: string; quoted: string; grantor: string }>(
    `SELECT r.rolname AS granted, quote_ident(r.rolname) AS quoted, quote_ident(g.rolname) AS grantor
       FROM pg_auth_members m
       JOIN pg_roles r ON r.oid = m.roleid
       JOIN pg_roles g ON g.oid = m.grantor
       JOIN pg_roles me ON me.oid = m.member
      WHERE me.rolname = $1`,
    [n.role],
  );
  return rows;
}

function membershipDrift(n: TenantNames, granted: { granted: string }[]): Drift[] {
  return granted.map((r) => ({ kind: 'ExtraRoleGranted' as const, detail: `${n.role} was a member of ${r.granted}` }));
}

/** The role's drift (attributes, memberships), read without changing anything; none when it does not exist. */
export async function findRoleDrift(db: Queryable, n: TenantNames): Promise<Drift[]> {
  const role = await readRole(db, n.role);
  if (!role) return [];
  return [...attributeDrift(role, n), ...membershipDrift(n, await memberships(db, n))];
}

/**
 * Ensures the department's login role: created with the Secret's password and federation's ownership comment,
 * LOGIN, no dangerous attributes, search_path to its schema, no membership in any role (CONNECT: see
 * tenant-connect.ts). Runs inside the tenant lock, after claimTenant refused roles federation did not create.
 */
export async function ensureTenantRole(client: pg.PoolClient, n: TenantNames, password: string): Promise<Drift[]> {
  const role = await readRole(client, n.role);
  const drift: Drift[] = [];
  if (!role) {
    await setPassword(client, n.role, password, true);
    await commentOwnership(client, n);
  } else {
    drift.push(...attributeDrift(role, n));
    if (drift.length > 0 || !role.rolcanlogin) {
      await client.query(`ALTER ROLE ${ident(n.role)} LOGIN ${SAFE_ATTRIBUTES}`);
    }
    if (!verifierMatches(await storedVerifier(client, n.role), password)) {
      await setPassword(client, n.role, password, false);
    }
  }
  const searchPath = `search_path=${n.schema}`;
  if (!role?.rolconfig?.includes(searchPath)) {
    await client.query(`ALTER ROLE ${ident(n.role)} SET search_path = ${ident(n.schema)}`);
  }
  const granted = await memberships(client, n);
  for (const row of granted) {
    await client.query(`REVOKE ${row.quoted} FROM ${ident(n.role)} GRANTED BY ${row.grantor} CASCADE`);
  }
  return [...drift, ...membershipDrift(n, granted)];
}
