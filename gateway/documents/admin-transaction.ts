import type pg from 'pg';
import { enterAdminRole } from '../query/execute.ts';

/**
 * Runs `work` in one transaction as federation_admin_role (the tenant tables' admin_bypass policy), on one
 * pooled connection. Callers decide beforehand which department's schema the work may touch.
 */
export async function asAdmin<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let release: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      await enterAdminRole(client);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
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
