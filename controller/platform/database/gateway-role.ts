import pg from 'pg';
import type { KubeApi } from '../../runtime/kube-api.ts';
import { paths } from '../../runtime/kube-api.ts';
import { isConflict, isNotFound } from '../kube/rest-client.ts';
import { ADMIN_ROLE, CROSS_DEPT_ROLE } from './platform-roles.ts';
import { generatePassword, scramVerifier } from './scram.ts';

export const GATEWAY_ROLE = 'federation_gateway';
export const GATEWAY_DATABASE_SECRET = { namespace: 'federation-system', name: 'gateway-database' };

export interface GatewayDatabaseOptions {
  /** A superuser (or CREATEROLE) connection to the federation database, already migrated. */
  adminPool: pg.Pool;
  /** Admin access to write the Secret (the gateway's own ServiceAccount may not touch Secrets). */
  kube: KubeApi;
  roleName?: string;
  secret?: { namespace: string; name: string };
}

interface DatabaseSecret {
  data?: Record<string, string>;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Idempotently gives the gateway its own login role, a member of cross_dept_query_role (so it reads tenants
 * only through the cross-department policies, may insert audit rows and never update or delete them) that may
 * SET ROLE federation_admin_role for an admin's query without inheriting it, with a
 * generated password kept in Secret `federation-system/gateway-database` (fields username, password, url).
 * Returns the connection string. The password is set as a SCRAM verifier, so it never appears in SQL text.
 */
export async function ensureGatewayDatabase(opts: GatewayDatabaseOptions): Promise<string> {
  const role = opts.roleName ?? GATEWAY_ROLE;
  if (!ROLE_NAME.test(role)) throw new Error(`invalid role name ${role}`);
  const secret = opts.secret ?? GATEWAY_DATABASE_SECRET;
  const secretPath = `${paths.namespacedSecrets(secret.namespace)}/${secret.name}`;
  const admin = new URL(opts.adminPool.options.connectionString ?? '');
  let password: string | undefined;
  try {
    const existing = await opts.kube.get<DatabaseSecret>(secretPath);
    const stored = existing.data?.password;
    if (stored) password = Buffer.from(stored, 'base64').toString();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const url = new URL(admin);
  url.username = role;
  if (!password) {
    password = generatePassword();
    url.password = password;
    const encode = (s: string) => Buffer.from(s).toString('base64');
    try {
      await opts.kube.create(
        paths.namespacedSecrets(secret.namespace),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: {
            name: secret.name,
            namespace: secret.namespace,
            labels: { 'app.kubernetes.io/part-of': 'federation' },
          },
          data: { username: encode(role), password: encode(password), url: encode(url.toString()) },
        },
        'federation-gateway-setup',
      );
    } catch (err) {
      if (!isConflict(err)) throw err;
      return ensureGatewayDatabase(opts); // another replica created it first: use its password
    }
  }
  url.password = password;
  const id = pg.escapeIdentifier(role);
  const client = await opts.adminPool.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (!rowCount) {
      await client
        .query(`CREATE ROLE ${id} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`)
        .catch((err) => {
          if ((err as { code?: string }).code !== '42710') throw err;
        });
    }
    await client.query(
      `ALTER ROLE ${id} LOGIN INHERIT NOSUPERUSER NOBYPASSRLS PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`,
    );
    await client.query(`GRANT ${CROSS_DEPT_ROLE} TO ${id}`);
    // Admin queries run as federation_admin_role, SET for one transaction only: the gateway may become it but
    // does not inherit it, so none of its other statements pass the admin-bypass policies (PostgreSQL 16+;
    // on older servers the membership is not granted and admin queries fail).
    const { rows: version } = await client.query<{ v: number }>(
      "SELECT current_setting('server_version_num')::int AS v",
    );
    if ((version[0]?.v ?? 0) >= 160000) {
      await client.query(`GRANT ${ADMIN_ROLE} TO ${id} WITH INHERIT FALSE, SET TRUE`);
    }
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    await client.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(rows[0]?.db ?? '')} TO ${id}`);
  } finally {
    client.release();
  }
  return url.toString();
}
