import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OAUTH_CLIENTS_NAMESPACE } from '../../crds/names.ts';
import { createTestDatabase, departmentObject, type TestDatabase } from '../../e2e/support/database.ts';
import { contextFor, type Recorded, writeOAuthSecret } from '../../e2e/support/workflows.ts';
import type { Component, DepartmentObject } from '../component.ts';
import { createOAuthComponent } from './component.ts';
import { encryptionKeys } from './encryption-keys.ts';

const suffix = randomBytes(3).toString('hex');
const ME = `me-${suffix}`;
const VICTIM = `victim-${suffix}`;
const VICTIM_REF = { name: 'google-oauth', namespace: `dept-${VICTIM}` };
const SHARED_REF = { name: `victim-${suffix}-google-oauth`, namespace: OAUTH_CLIENTS_NAMESPACE };

/**
 * A Department that the CRD's CEL rule refuses but an API server may still hold (one stored before the rule was
 * installed), pointing at another department's OAuth client: the component must refuse it without using the client.
 */
function pointingAt(ref: { name: string; namespace: string }): DepartmentObject {
  return departmentObject(ME, { enabledTools: ['email'], oauth: { secretRef: ref } });
}

describe('oauth component secretRef scope', () => {
  let kc: KubeConfig;
  let db: TestDatabase;
  let component: Component;
  const recorded: Recorded = { events: [], logs: [] };

  async function storedCredentials(): Promise<number> {
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n FROM federation.oauth_credentials WHERE department_id = $1',
      [ME],
    );
    return rows[0].n;
  }

  beforeAll(async () => {
    kc = new KubeConfig();
    kc.loadFromFile(inject('kubeconfig'));
    db = await createTestDatabase(inject('databaseUrl'));
    const core = kc.makeApiClient(CoreV1Api);
    for (const name of [`dept-${VICTIM}`, OAUTH_CLIENTS_NAMESPACE, `dept-${ME}`]) {
      await core.createNamespace({ body: { metadata: { name } } }).catch(() => undefined); // may exist already
    }
    const victimClient = { client_id: 'victim.apps.example.com', client_secret: 'victim-secret-0123456789' };
    await writeOAuthSecret(kc, VICTIM_REF, victimClient);
    await writeOAuthSecret(kc, SHARED_REF, victimClient);
    await core.patchNamespacedSecret({
      name: SHARED_REF.name,
      namespace: SHARED_REF.namespace,
      body: [{ op: 'add', path: '/metadata/labels', value: { 'federation.synrg.io/department': VICTIM } }],
    });
    await db.pool.query(
      `INSERT INTO federation.departments (department_id, department_name, tenant_schema, admin_email)
       VALUES ($1, 'Me', 'dept_me', 'a@example.com')`,
      [ME],
    );
    component = createOAuthComponent({
      pool: db.pool,
      keys: encryptionKeys('k1', { k1: randomBytes(32).toString('hex') }),
    });
  });

  afterAll(async () => {
    await kc
      ?.makeApiClient(CoreV1Api)
      .deleteNamespacedSecret({ name: SHARED_REF.name, namespace: SHARED_REF.namespace })
      .catch(() => undefined);
    await db?.drop([]);
  });

  it('does stall on a secretRef in another department’s namespace and store nothing', async () => {
    const apply = component.apply(contextFor(kc, pointingAt(VICTIM_REF), recorded));
    await expect(apply).rejects.toMatchObject({ name: 'TerminalError', reason: 'SecretRefForbidden' });
    await expect(apply).rejects.toThrow(/dept-me-[0-9a-f]+ or federation-oauth-clients, not in dept-victim/);
    expect(await storedCredentials()).toBe(0);
  });

  it('does stall on a clients-namespace Secret labelled for another department and store nothing', async () => {
    const apply = component.apply(contextFor(kc, pointingAt(SHARED_REF), recorded));
    await expect(apply).rejects.toMatchObject({ name: 'TerminalError', reason: 'SecretRefForbidden' });
    expect(await storedCredentials()).toBe(0);
  });

  it('does use a clients-namespace Secret labelled for the department', async () => {
    const mine = { name: `me-${suffix}-google-oauth`, namespace: OAUTH_CLIENTS_NAMESPACE };
    await writeOAuthSecret(kc, mine, { client_id: 'me.apps.example.com', client_secret: 'me-secret-0123456789' });
    const core = kc.makeApiClient(CoreV1Api);
    await core.patchNamespacedSecret({
      name: mine.name,
      namespace: mine.namespace,
      body: [{ op: 'add', path: '/metadata/labels', value: { 'federation.synrg.io/department': ME } }],
    });
    try {
      const result = await component.apply(contextFor(kc, pointingAt(mine), recorded));
      expect(result.condition).toMatchObject({ status: 'True', reason: 'Valid' });
      expect(await storedCredentials()).toBe(1);
    } finally {
      await core.deleteNamespacedSecret({ name: mine.name, namespace: mine.namespace }).catch(() => undefined);
    }
  });
});
