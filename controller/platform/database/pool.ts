import pg from 'pg';
import type { Logger } from '../../runtime/logger.ts';

/**
 * A connection pool that outlives its connections failing (Postgres restarted, backends terminated, a network
 * cut). pg emits 'error' on a client whose connection breaks; with no listener that is an uncaught exception
 * that ends the process, and pg-pool listens only while a client is idle. Here every client has a listener for
 * its whole life, so a client that breaks while checked out (inside a transaction, between two statements) only
 * fails its queries; it is no longer queryable, so the pool discards it on release instead of lending it again,
 * and the next checkout opens a fresh connection.
 */
export function createPool(config: pg.PoolConfig, log: Logger): pg.Pool {
  const pool = new pg.Pool(config);
  const discarded = (err: Error) => log.warn('database connection failed; it is discarded', { error: err.message });
  pool.on('error', discarded); // an idle client broke (pg-pool already removed it)
  pool.on('connect', (client) => client.on('error', discarded));
  return pool;
}
