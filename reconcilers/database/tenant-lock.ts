import type pg from 'pg';
import { TENANT_LOCK_SPACE } from '../../controller/platform/database/platform-roles.ts';

/**
 * Runs `work` in one transaction holding the department's advisory lock, so concurrent reconciles,
 * the upgrade-all job and the CLI never change one tenant at the same time.
 */
export async function withTenantLock<T>(
  pool: pg.Pool,
  department: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [TENANT_LOCK_SPACE, department]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // The original error is what matters; a connection that cannot even roll back is discarded below.
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
