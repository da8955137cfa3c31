import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantSchemaFor } from '../../crds/names.ts';
import { createTestDatabase, type TestDatabase } from '../../e2e/support/database.ts';
import { startAuthServer, type TestAuthServer } from '../../e2e/support/google-auth-server.ts';
import { contextFor, createDepartment, type Recorded, writeOAuthSecret } from '../../e2e/support/workflows.ts';
import type { Component, DepartmentObject } from '../component.ts';
import { createOAuthComponent } from './component.ts';
import { encryptionKeys } from './encryption-keys.ts';
import { oauthFreshness } from './freshness.ts';

const NAME = `or-${randomBytes(3).toString('hex')}`;
const REF = { name: 'google-oauth', namespace: `dept-${NAME}` };
/** The authorization server's access-token lifetime: short, so that expiry comes within the test. */
const LIFETIME_S = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * When the access token the controller validated expires (when n8n refreshes its own), the oauth component
 * refreshes again: the token endpoint's answer renews token_expires_at and last_refreshed_at, and the
 * agent-health monitor's oauth check reads them.
 */
describe('oauth component: renewal at token expiry', () => {
  let kc: KubeConfig;
  let db: TestDatabase;
  let auth: TestAuthServer;
  let dept: DepartmentObject;
  let component: Component;
  const recorded: Recorded = { events: [], logs: [] };
  const apply = () => component.apply(contextFor(kc, dept, recorded));
  const columns = async () =>
    (
      await db.pool.query<{ token_expires_at: Date; last_refreshed_at: Date }>(
        'SELECT token_expires_at, last_refreshed_at FROM federation.oauth_credentials WHERE department_id = $1',
        [NAME],
      )
    ).rows[0];

  beforeAll(async () => {
    kc = new KubeConfig();
    kc.loadFromFile(inject('kubeconfig'));
    db = await createTestDatabase(inject('databaseUrl'));
    await db.pool.query(
      `INSERT INTO federation.departments (department_id, department_name, tenant_schema, admin_email)
       VALUES ($1, 'Renewal test', $2, 'a@example.com')`,
      [NAME, tenantSchemaFor(NAME)],
    );
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: REF.namespace } } });
    auth = await startAuthServer(LIFETIME_S);
    component = createOAuthComponent({
      pool: db.pool,
      keys: encryptionKeys('k1', { k1: randomBytes(32).toString('hex') }),
    });
    await writeOAuthSecret(kc, REF, {
      client_id: 'client-r',
      client_secret: 'secret-r-0123456789',
      refresh_token: auth.register('client-r', 'secret-r-0123456789'),
      token_uri: auth.tokenUri,
    });
    dept = await createDepartment(kc, NAME, {
      displayName: 'Renewal test',
      adminEmail: 'a@example.com',
      enabledTools: ['email'],
      oauth: { secretRef: REF },
    });
  });

  afterAll(async () => {
    await auth?.close();
    await db?.drop([]);
  });

  it('does re-check the client when its token expires and record the token endpoint’s answer', async () => {
    const first = await apply();
    expect(first.condition).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(auth.refreshes).toBe(1);
    expect(first.requeueAfterMs).toBeGreaterThan(0);
    expect(first.requeueAfterMs).toBeLessThanOrEqual(LIFETIME_S * 1000);
    const before = await columns();
    expect(await oauthFreshness(db.pool)(NAME)).toMatchObject({ ok: true });

    // Before expiry nothing is asked of the token endpoint.
    expect((await apply()).condition.reason).toBe('Valid');
    expect(auth.refreshes).toBe(1);

    await sleep((first.requeueAfterMs as number) + 100);
    const renewed = await apply();
    expect(renewed.condition).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(auth.refreshes).toBe(2);
    const after = await columns();
    expect(after?.last_refreshed_at.getTime()).toBeGreaterThan(before?.last_refreshed_at.getTime() as number);
    expect(after?.token_expires_at.getTime()).toBeGreaterThan(before?.token_expires_at.getTime() as number);
    // n8n keeps its own credential: a new access token alone is no new credential version.
    const version = (r: typeof first) => (r.outputs?.google as { version?: string } | undefined)?.version;
    expect(version(renewed)).toBe(version(first));
  });

  it('does turn OAuthReady False and the oauth check down once the consent is withdrawn', async () => {
    auth.revokeClient('client-r');
    const stale = await columns();
    await sleep(LIFETIME_S * 1000 + 100);
    const refused = await apply();
    expect(refused.condition).toMatchObject({ status: 'False', reason: 'RefreshFailed' });
    expect(await columns()).toEqual(stale);
    const check = await oauthFreshness(db.pool, 0)(NAME);
    expect(check?.ok).toBe(false);
    expect(check?.message).toMatch(/^gmail: the access token expired at .* and was not renewed/);
    expect(JSON.stringify([check, refused.condition, recorded])).not.toContain('secret-r-0123456789');
  });

  it('does have nothing to check for a department without stored credentials', async () => {
    expect(await oauthFreshness(db.pool)('no-such-department')).toBeUndefined();
  });
});
