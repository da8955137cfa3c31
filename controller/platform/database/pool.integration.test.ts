import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../../e2e/testenv/wait.ts';
import type { Logger } from '../../runtime/logger.ts';
import { createPool } from './pool.ts';

const warnings: string[] = [];
const log: Logger = {
  debug: () => {},
  info: () => {},
  warn: (msg, fields) => warnings.push(`${msg} ${JSON.stringify(fields ?? {})}`),
  error: () => {},
  child: () => log,
};

let admin: pg.Client;

async function terminate(pid: number): Promise<void> {
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
}

describe('createPool', () => {
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
  });
  afterAll(() => admin.end());

  it('survives the backend of a checked-out connection being terminated, and discards that connection', async () => {
    const pool = createPool({ connectionString: inject('databaseUrl'), max: 2 }, log);
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Between two statements of a transaction, as withTenantLock or a gateway query holds a connection.
      await client.query('BEGIN');
      await terminate(rows[0]?.pid as number);
      await waitFor(async () => warnings.some((w) => w.includes('terminating connection')), {
        timeoutMs: 5000,
        describe: () => `no warning logged: ${JSON.stringify(warnings)}`,
      });
      await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable|terminat/);
      client.release();

      const after = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(after.rows[0]?.pid).not.toBe(rows[0]?.pid);
      expect(pool.totalCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('replaces an idle connection whose backend is terminated', async () => {
    const pool = createPool({ connectionString: inject('databaseUrl'), max: 1 }, log);
    try {
      const first = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await terminate(first.rows[0]?.pid as number);
      await waitFor(async () => pool.totalCount === 0, {
        timeoutMs: 5000,
        describe: () => 'the broken idle client stayed',
      });
      const second = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(second.rows[0]?.pid).not.toBe(first.rows[0]?.pid);
    } finally {
      await pool.end();
    }
  });
});
