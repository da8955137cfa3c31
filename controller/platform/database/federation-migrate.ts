import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { FEDERATION_LOCK, PLATFORM_ROLES } from './platform-roles.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./drizzle', import.meta.url));

/**
 * Brings the `federation` schema and the platform roles up to date. Safe to call from every controller
 * replica at start: a session advisory lock serialises them, and each step is idempotent.
 */
export async function migrateFederation(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', FEDERATION_LOCK);
    try {
      await ensurePlatformRoles(client);
      await migrate(drizzle({ client }), {
        migrationsFolder: MIGRATIONS_FOLDER,
        migrationsSchema: 'federation',
        migrationsTable: '__drizzle_migrations',
      });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', FEDERATION_LOCK);
    }
  } finally {
    client.release();
  }
}

/**
 * Creates the NOLOGIN platform roles when missing, and takes LOGIN and any password away from each of them, whatever
 * gave it (a Department provisioned under a platform role's name in a database that predates the naming rules is
 * one way): none of them may log in.
 */
async function ensurePlatformRoles(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ rolname: string }>(
    'SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])',
    [PLATFORM_ROLES],
  );
  const existing = new Set(rows.map((r) => r.rolname));
  for (const role of PLATFORM_ROLES) {
    if (existing.has(role)) {
      await client.query(`ALTER ROLE ${role} NOLOGIN PASSWORD NULL NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`);
      continue;
    }
    try {
      await client.query(`CREATE ROLE ${role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`);
    } catch (error) {
      // Another database on the same cluster may have created it in the meantime (roles are cluster-wide).
      if ((error as { code?: string }).code !== '42710') throw error;
    }
  }
}
