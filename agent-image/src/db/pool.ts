import pg from 'pg';
import type { AgentEnv } from '../config/env.ts';

/**
 * The department's own login (the Secret `database` the database component writes): row-level security
 * applies to everything the agent writes. A small pool: one agent process serves a handful of sessions.
 */
export function createPool(env: AgentEnv, max = 4): pg.Pool {
  const pool = new pg.Pool({
    host: env.DB_HOST,
    port: env.DB_PORT,
    database: env.DB_NAME,
    user: env.DB_USER,
    password: env.DB_PASSWORD,
    max,
    application_name: `aio-agent-${env.DEPARTMENT_ID}`,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection dropped by the server is not a crash: the next query opens a new one.
  pool.on('error', () => {});
  return pool;
}

/** `"schema"."table"`: the schema is validated as an identifier when the environment is parsed. */
export function qualified(schema: string, table: string): string {
  return `"${schema}"."${table}"`;
}
