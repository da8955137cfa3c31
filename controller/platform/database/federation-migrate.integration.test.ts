import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../e2e/support/database.ts';
import { MIGRATIONS_FOLDER, migrateFederation } from './federation-migrate.ts';

describe('migrateFederation', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl')); // migrates once already
  });

  afterAll(async () => {
    await db?.drop([]);
  });

  it('does run safely from several replicas at once and again later', async () => {
    await Promise.all([migrateFederation(db.pool), migrateFederation(db.pool), migrateFederation(db.pool)]);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM federation.__drizzle_migrations');
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
    expect(rows[0].n).toBe(journal.entries.length); // each applied exactly once
    expect(journal.entries.length).toBeGreaterThanOrEqual(5);
  });

  it('does take LOGIN and a password back from a platform role, so no department can log in as one', async () => {
    await db.pool.query("ALTER ROLE federation_admin_role LOGIN PASSWORD 'taken-over-by-a-department'");
    await migrateFederation(db.pool);
    const { rows } = await db.pool.query(
      "SELECT rolcanlogin, rolpassword IS NULL AS no_password FROM pg_authid WHERE rolname = 'federation_admin_role'",
    );
    expect(rows).toEqual([{ rolcanlogin: false, no_password: true }]);
  });

  it("does create the control-plane tables, the gateway's included", async () => {
    const { rows } = await db.pool.query(
      "SELECT array_agg(tablename::text ORDER BY tablename) AS t FROM pg_tables WHERE schemaname = 'federation' AND tablename NOT LIKE '\\_\\_%'",
    );
    expect(rows[0].t).toEqual([
      'audit_chain_heads',
      'cross_dept_audit',
      'cross_dept_permissions',
      'departments',
      'gateway_rate_windows',
      'gateway_refusals',
      'gateway_signing_keys',
      'gateway_token_revocations',
      'oauth_credentials',
      'provisioning_jobs',
      'provisioning_requests',
      'schema_migrations',
      'security_audit',
    ]);
    const { rowCount } = await db.pool.query(
      "SELECT 1 FROM information_schema.columns WHERE table_schema = 'federation' AND table_name = 'oauth_credentials' AND column_name = 'key_id'",
    );
    expect(rowCount).toBe(1);
  });

  it('does create the platform roles without login and without passwords', async () => {
    const { rows } = await db.pool.query(
      `SELECT rolname, rolcanlogin, rolbypassrls, rolpassword IS NULL AS no_password FROM pg_authid
        WHERE rolname IN ('federation_owner', 'federation_admin_role', 'cross_dept_query_role') ORDER BY rolname`,
    );
    expect(rows).toEqual(
      ['cross_dept_query_role', 'federation_admin_role', 'federation_owner'].map((rolname) => ({
        rolname,
        rolcanlogin: false,
        rolbypassrls: false,
        no_password: true,
      })),
    );
  });

  it('does install the global retention functions', async () => {
    const { rows } = await db.pool.query(
      'SELECT federation.cleanup_old_audit_logs() AS a, federation.cleanup_old_security_audit() AS s',
    );
    expect(rows[0]).toEqual({ a: 0, s: 0 });
  });
});
