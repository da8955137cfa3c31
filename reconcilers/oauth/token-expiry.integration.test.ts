import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FederationMetrics } from '../../controller/platform/metrics/federation-metrics.ts';
import { tenantSchemaFor } from '../../crds/names.ts';
import { createTestDatabase, type TestDatabase } from '../../e2e/support/database.ts';
import { encryptionKeys } from './encryption-keys.ts';
import { ensurePgcrypto, recordRefresh, upsertCredential } from './store.ts';
import { oauthTokenExpiries } from './token-expiry.ts';

const keys = encryptionKeys('k1', { k1: randomBytes(32).toString('hex') });
const suffix = randomBytes(3).toString('hex');
const [A, B, C] = ['a', 'b', 'c'].map((d) => `te-${d}-${suffix}`) as [string, string, string];

async function credential(db: TestDatabase, department: string, service: string, refreshToken?: string) {
  await upsertCredential(db.pool, keys, {
    departmentId: department,
    service,
    clientId: `client-${service}`,
    clientSecret: 'client-secret-value',
    refreshToken,
    appName: 'Token expiry test',
    scopes: [],
  });
}

describe('oauthTokenExpiries', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    await ensurePgcrypto(db.pool);
    for (const d of [A, B, C]) {
      await db.pool.query(
        `INSERT INTO federation.departments (department_id, department_name, tenant_schema, admin_email)
         VALUES ($1, 'Token expiry test', $2, 'a@example.com')`,
        [d, tenantSchemaFor(d)],
      );
    }
  });

  afterAll(async () => {
    await db?.drop([]);
  });

  it("does read each department's earliest token expiry, only for clients the component refreshes", async () => {
    // A: two services refreshed, one expiring earlier; B: refreshed but expired; C: no refresh token.
    await credential(db, A, 'gmail', 'refresh-a');
    await credential(db, A, 'google_drive', 'refresh-a2');
    const later = new Date(Date.now() + 3_600_000);
    const earlier = new Date(Date.now() + 600_000);
    await recordRefresh(db.pool, keys, A, later, undefined);
    await db.pool.query(
      "UPDATE federation.oauth_credentials SET token_expires_at = $2 WHERE department_id = $1 AND service_name = 'gmail'",
      [A, earlier],
    );
    await credential(db, B, 'gmail', 'refresh-b');
    const expired = new Date(Date.now() - 7_200_000);
    await recordRefresh(db.pool, keys, B, expired, undefined);
    // C's client has no refresh token: nothing renews it, so its (long past) expiry is not a renewal failure.
    await credential(db, C, 'gmail');
    await db.pool.query('UPDATE federation.oauth_credentials SET token_expires_at = $2 WHERE department_id = $1', [
      C,
      expired,
    ]);

    const expiries = await oauthTokenExpiries(db.pool);
    expect(expiries.filter((e) => e.department.endsWith(suffix))).toEqual([
      { department: A, expiresAt: earlier },
      { department: B, expiresAt: expired },
    ]);

    // As the leader task exports them: a timestamp per department, no token in the output.
    const registry = new Registry();
    new FederationMetrics(registry).setOAuthTokenExpiries(expiries);
    const text = await registry.metrics();
    expect(text).toContain(
      `federation_oauth_token_expiry_timestamp_seconds{department="${A}"} ${earlier.getTime() / 1000}`,
    );
    expect(text).toContain(
      `federation_oauth_token_expiry_timestamp_seconds{department="${B}"} ${expired.getTime() / 1000}`,
    );
    expect(text).not.toContain(C);
    expect(text).not.toMatch(/refresh-|client-secret/);
  });
});
