import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** n8n's own database and the login role that owns it. */
export interface N8nDatabase {
  name: string;
  user: string;
  password: string;
  host: string;
  port: string;
}

/**
 * Least privilege for n8n on the platform Postgres: a login role of its own that is no superuser and may
 * create neither roles nor databases, owning one database that grants nothing to PUBLIC (so no tenant role
 * can CONNECT to it). n8n's migrations create its tables in that database's `public` schema, which on
 * Postgres 15+ belongs to the database owner.
 */
export async function createN8nDatabase(
  superuserUrl: string,
  kept?: Pick<N8nDatabase, 'name' | 'user' | 'password'>,
): Promise<N8nDatabase> {
  const suffix = randomBytes(6).toString('hex');
  const { name, user, password } = kept ?? {
    name: `n8n_${suffix}`,
    user: `n8n_${suffix}`,
    password: randomBytes(24).toString('base64url'),
  };
  await asSuperuser(superuserUrl, async (client) => {
    const role = client.escapeIdentifier(user);
    // A kept database (`npm start`'s state) is reused: its role gets its password again, nothing is recreated.
    const { rowCount: roleExists } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
    await client.query(
      `${roleExists ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)}
         NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
    );
    const { rowCount: dbExists } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!dbExists) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} OWNER ${role}`);
    await client.query(`REVOKE ALL ON DATABASE ${client.escapeIdentifier(name)} FROM PUBLIC`);
  });
  const url = new URL(superuserUrl);
  return { name, user, password, host: url.hostname, port: url.port || '5432' };
}

/** Drops n8n's database (closing its sessions) and its role. */
export async function dropN8nDatabase(superuserUrl: string, database: Pick<N8nDatabase, 'name' | 'user'>) {
  await asSuperuser(superuserUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database.name)} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(database.user)}`);
  }).catch(() => {
    // the platform Postgres may already be gone at shutdown; its data dir goes with it
  });
}

async function asSuperuser(url: string, run: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end().catch(() => {});
  }
}
