import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantSchemaFor } from '../../crds/names.ts';
import { createTestDatabase, type TestDatabase } from '../../e2e/support/database.ts';
import { startAuthServer, type TestAuthServer } from '../../e2e/support/google-auth-server.ts';
import { contextFor, createDepartment, type Recorded, writeOAuthSecret } from '../../e2e/support/workflows.ts';
import type { Component, DepartmentObject } from '../component.ts';
import { googleClientInput } from '../workflows/oauth-input.ts';
import { createOAuthComponent } from './component.ts';
import { GOOGLE_SCOPES } from './conditions.ts';
import { type EncryptionKeys, encryptionKeys } from './encryption-keys.ts';
import { readCredential, rotateEncryptionKey } from './store.ts';

const NAME = `oa-${randomBytes(3).toString('hex')}`;
const NS = `dept-${NAME}`;
const REF = { name: 'google-oauth', namespace: NS };
const KEY1 = randomBytes(32).toString('hex');
const KEY2 = randomBytes(32).toString('hex');

describe('oauth component', () => {
  let kc: KubeConfig;
  let db: TestDatabase;
  let pool: pg.Pool;
  let auth: TestAuthServer;
  let dept: DepartmentObject;
  let keys: EncryptionKeys = encryptionKeys('k1', { k1: KEY1 });
  let component: Component;
  const recorded: Recorded = { events: [], logs: [] };
  const secrets: string[] = [KEY1, KEY2];
  const results: unknown[] = [];
  const apply = async () => {
    const result = await component.apply(contextFor(kc, dept, recorded));
    // outputs carry the client to the workflows component in memory; what is ever written or logged is checked
    results.push({ condition: result.condition, status: result.status, requeueAfterMs: result.requeueAfterMs });
    return result;
  };
  const setSecret = async (data: Record<string, string>) => {
    secrets.push(
      ...Object.entries(data)
        .filter(([k]) => k !== 'client_id' && k !== 'token_uri')
        .map(([, v]) => v),
    );
    await writeOAuthSecret(kc, REF, data);
  };

  beforeAll(async () => {
    kc = new KubeConfig();
    kc.loadFromFile(inject('kubeconfig'));
    db = await createTestDatabase(inject('databaseUrl')); // migrated
    pool = db.pool;
    await pool.query(
      `INSERT INTO federation.departments (department_id, department_name, tenant_schema, admin_email)
       VALUES ($1, 'OAuth test', $2, 'a@example.com')`,
      [NAME, tenantSchemaFor(NAME)],
    );
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    auth = await startAuthServer(3600);
    component = createOAuthComponent({ pool, keys: async () => keys });
    dept = await createDepartment(kc, NAME, {
      displayName: 'OAuth test',
      adminEmail: 'a@example.com',
      enabledTools: ['email', 'google_drive'],
      oauth: { secretRef: REF },
    });
  });

  afterAll(async () => {
    await auth?.close();
    await db?.drop([]);
  });

  it('reports a missing or malformed Secret with what to fix', async () => {
    expect((await apply()).condition).toMatchObject({ status: 'False', reason: 'MissingSecret' });
    await setSecret({ client_id: 'only-id' });
    const malformed = await apply();
    expect(malformed.condition).toMatchObject({ status: 'False', reason: 'MissingSecret' });
    expect(malformed.condition.message).toContain('client_secret');
  });

  it('stores the client encrypted with every seed scope, and validates it with one refresh whose token it hands on', async () => {
    const refreshToken = auth.register('client-a', 'secret-a-0123456789');
    await setSecret({
      client_id: 'client-a',
      client_secret: 'secret-a-0123456789',
      refresh_token: refreshToken,
      token_uri: auth.tokenUri,
    });
    const result = await apply();
    expect(result.condition).toMatchObject({ status: 'True', reason: 'Valid' });
    // n8n refreshes its own copy; the component re-checks the client when this token expires (3600 s here).
    expect(result.requeueAfterMs).toBeGreaterThan(3500_000);
    expect(auth.refreshes).toBe(1);
    const google = result.outputs?.google as Record<string, unknown>;
    expect(google).toMatchObject({ clientId: 'client-a', clientSecret: 'secret-a-0123456789', refreshToken });
    expect(google.scopes).toEqual([...GOOGLE_SCOPES]);
    expect(typeof google.accessToken).toBe('string');
    secrets.push(google.accessToken as string);
    expect(googleClientInput.safeParse(google).success).toBe(true); // what the workflows component reads
    const raw = await pool.query(
      'SELECT oauth_client_secret_encrypted, refresh_token_encrypted, key_id, service_name, scopes FROM federation.oauth_credentials WHERE department_id = $1 ORDER BY service_name',
      [NAME],
    );
    expect(raw.rows.map((r) => r.service_name)).toEqual(['gmail', 'google_drive']);
    for (const row of raw.rows) {
      expect(row.key_id).toBe('k1');
      // The seed's scopes, written out here rather than taken from the code under test.
      expect(row.scopes).toEqual([
        'https://www.googleapis.com/auth/drive.readonly',
        'https://www.googleapis.com/auth/gmail.send',
        'https://www.googleapis.com/auth/calendar.readonly',
      ]);
      expect(Buffer.from(row.oauth_client_secret_encrypted).toString('latin1')).not.toContain('secret-a');
    }
    const stored = await readCredential(pool, keys, NAME, 'gmail');
    expect(stored).toMatchObject({ clientSecret: 'secret-a-0123456789', refreshToken });
    expect(stored?.tokenExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    await expect(
      pool.query('SELECT pgp_sym_decrypt(oauth_client_secret_encrypted, $1) FROM federation.oauth_credentials', [KEY2]),
    ).rejects.toThrow();
  });

  it('does not refresh again once the client is validated, and hands on the same token', async () => {
    const before = auth.refreshes;
    const first = (await apply()).outputs?.google as { accessToken: string } | undefined;
    const again = await apply();
    expect(again.condition.reason).toBe('Valid');
    expect((again.outputs?.google as { accessToken?: string } | undefined)?.accessToken).toBe(first?.accessToken);
    expect(auth.refreshes).toBe(before);
  });

  it('validates once more after a controller restart, since it keeps access tokens in memory only', async () => {
    const before = auth.refreshes;
    component = createOAuthComponent({ pool, keys: async () => keys });
    expect((await apply()).condition.reason).toBe('Valid');
    expect(auth.refreshes).toBe(before + 1);
  });

  it('fails with reason RefreshFailed on a 5xx, for the work queue to retry, then succeeds', async () => {
    component = createOAuthComponent({ pool, keys: async () => keys });
    auth.failNext(1);
    await expect(apply()).rejects.toMatchObject({ name: 'ComponentError', reason: 'RefreshFailed' });
    expect((await apply()).condition.reason).toBe('Valid');
  });

  it('reports RefreshFailed for invalid_grant and InvalidClient for a wrong secret', async () => {
    await setSecret({
      client_id: 'client-a',
      client_secret: 'secret-a-0123456789',
      refresh_token: 'revoked',
      token_uri: auth.tokenUri,
    });
    expect((await apply()).condition).toMatchObject({ status: 'False', reason: 'RefreshFailed' });
    const good = auth.register('client-a', 'secret-a-0123456789');
    await setSecret({
      client_id: 'client-a',
      client_secret: 'wrong-secret-9876',
      refresh_token: good,
      token_uri: auth.tokenUri,
    });
    expect((await apply()).condition).toMatchObject({ status: 'False', reason: 'InvalidClient' });
  });

  it('rotates the stored credential when the Secret changes, and hands on a new version', async () => {
    const token = auth.register('client-b', 'secret-b-rotated-42');
    await setSecret({
      client_id: 'client-b',
      client_secret: 'secret-b-rotated-42',
      refresh_token: token,
      token_uri: auth.tokenUri,
    });
    const before = await apply();
    expect(before.condition.reason).toBe('Valid');
    const stored = await readCredential(pool, keys, NAME, 'google_drive');
    expect(stored).toMatchObject({ clientId: 'client-b', clientSecret: 'secret-b-rotated-42' });
    expect(stored?.rotatedAt).toBeInstanceOf(Date);
    const version = (before.outputs?.google as { version?: string } | undefined)?.version;
    expect(version).toBeTruthy();
    await setSecret({
      client_id: 'client-b',
      client_secret: 'secret-b-rotated-42',
      refresh_token: auth.register('client-b', 'secret-b-rotated-42'),
      token_uri: auth.tokenUri,
    });
    expect(((await apply()).outputs?.google as { version?: string } | undefined)?.version).not.toBe(version);
  });

  it('removes the row of a service no enabled tool uses any more, and every row once none does', async () => {
    const services = async () =>
      (
        await pool.query('SELECT service_name FROM federation.oauth_credentials WHERE department_id = $1', [NAME])
      ).rows.map((r) => r.service_name);
    dept.spec.enabledTools = ['google_drive', 'database'];
    expect((await apply()).condition.reason).toBe('Valid');
    expect(await services()).toEqual(['google_drive']);
    expect(recorded.events.map((e) => e.reason)).toContain('OAuthCredentialRemoved');
    dept.spec.enabledTools = ['database'];
    expect((await apply()).condition).toMatchObject({ status: 'True', reason: 'NotUsed' });
    expect(await services()).toEqual([]);
    dept.spec.enabledTools = ['email', 'google_drive'];
    expect((await apply()).condition.reason).toBe('Valid');
    expect((await services()).sort()).toEqual(['gmail', 'google_drive']);
  });

  it('re-encrypts every row under a new key', async () => {
    keys = encryptionKeys('k2', { k1: KEY1, k2: KEY2 });
    expect(await rotateEncryptionKey(pool, keys)).toBe(2);
    const rows = await pool.query(
      'SELECT key_id, pgp_sym_decrypt(oauth_client_secret_encrypted, $1) AS s FROM federation.oauth_credentials',
      [KEY2],
    );
    expect(rows.rows.map((r) => [r.key_id, r.s])).toEqual([
      ['k2', 'secret-b-rotated-42'],
      ['k2', 'secret-b-rotated-42'],
    ]);
    keys = encryptionKeys('k2', { k2: KEY2 });
    expect((await apply()).condition.reason).toBe('Valid');
  });

  it('deletes the stored credentials with the department', async () => {
    expect((await component.delete(contextFor(kc, dept, recorded))).condition.reason).toBe('Deleted');
    const left = await pool.query('SELECT 1 FROM federation.oauth_credentials WHERE department_id = $1', [NAME]);
    expect(left.rowCount).toBe(0);
  });

  it('puts no secret into conditions, status, events or logs', () => {
    const everything = JSON.stringify([results, recorded]);
    for (const s of secrets) expect(everything).not.toContain(s);
  });
});
