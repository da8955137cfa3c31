import { randomBytes, randomUUID } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { upsertDepartmentRow } from '../../controller/platform/database/federation-records.ts';
import { namespaceFor } from '../../crds/names.ts';
import { createTestDatabase, type TestDatabase } from '../../e2e/support/database.ts';
import { startAuthServer, type TestAuthServer } from '../../e2e/support/google-auth-server.ts';
import {
  contextFor,
  createDepartment,
  mergeStatus,
  n8nCredentialNames,
  provisionTenant,
  type Recorded,
  writeOAuthSecret,
} from '../../e2e/support/workflows.ts';
import { type RunningN8n, startN8n } from '../../e2e/testenv/n8n.ts';
import type { Component, DepartmentObject } from '../component.ts';
import { tenantNames } from '../database/names.ts';
import { createOAuthComponent } from '../oauth/component.ts';
import { encryptionKeys } from '../oauth/encryption-keys.ts';
import { N8nClient, type N8nWorkflow } from './client.ts';
import { createWorkflowsComponent } from './component.ts';
import type { WorkflowDefinition } from './render.ts';

const NAME = `wfg-${randomBytes(3).toString('hex')}`;
const REF = { name: 'google-oauth', namespace: namespaceFor(NAME) };

/**
 * A workflow that calls the stand-in Google API with the department's n8n Gmail credential, through n8n's own
 * OAuth2 request path (the one the Gmail node uses): it signs with the credential's access token and, on a
 * 401, refreshes it at the token endpoint and stores the new token in the credential.
 */
function probe(path: string, resourceUri: string, credential: { id: string; name: string }): WorkflowDefinition {
  return {
    name: `${NAME} probe`,
    nodes: [
      {
        id: 'w',
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        position: [0, 0],
        webhookId: randomUUID(),
        parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
      },
      {
        id: 'h',
        name: 'Call Google',
        type: 'n8n-nodes-base.httpRequest',
        typeVersion: 4.2,
        position: [200, 0],
        parameters: {
          method: 'GET',
          url: resourceUri,
          authentication: 'predefinedCredentialType',
          nodeCredentialType: 'gmailOAuth2',
          options: {},
        },
        credentials: { gmailOAuth2: credential },
      },
    ],
    connections: { Webhook: { main: [[{ node: 'Call Google', type: 'main', index: 0 }]] } },
    settings: { executionOrder: 'v1' },
  };
}

describe("the department's n8n Google credential", () => {
  let auth: TestAuthServer;
  let n8n: RunningN8n;
  let kc: KubeConfig;
  let db: TestDatabase;
  let client: N8nClient;
  let oauth: Component;
  let workflows: Component;
  let dept: DepartmentObject;
  let probeId: string;
  const recorded: Recorded = { events: [], logs: [] };

  const reconcile = async () => {
    const o = await oauth.apply(contextFor(kc, dept, recorded));
    expect(o.condition).toMatchObject({ status: 'True', reason: 'Valid' });
    const w = await workflows.apply(contextFor(kc, dept, recorded, { oauth: o.outputs ?? {} }));
    expect(w.condition.status).toBe('True');
    mergeStatus(dept, w);
  };
  const gmailCredential = async () => {
    const id = dept.status?.workflowIds?.email as string;
    const workflow = (await client.getWorkflow(id)) as N8nWorkflow;
    return workflow.nodes.map((n) => n.credentials?.gmailOAuth2).find(Boolean) as { id: string; name: string };
  };
  /** Points the probe at the department's current Gmail credential and calls Google through n8n. */
  const callGoogle = async () => {
    const definition = probe(`${NAME}/probe`, auth.resourceUri, await gmailCredential());
    if (probeId) await client.updateWorkflow(probeId, definition);
    else probeId = (await client.createWorkflow(definition)).id;
    await client.activateWorkflow(probeId);
    const res = await fetch(`${n8n.url}/webhook/${NAME}/probe`, { method: 'POST' });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    auth = await startAuthServer(3600);
    kc = new KubeConfig();
    kc.loadFromFile(inject('kubeconfig'));
    db = await createTestDatabase(inject('databaseUrl'));
    // n8n's Google credentials refresh at Google's token endpoint; here that is the local authorization server.
    // Each concrete type is named: n8n 1.123 applies an overwrite given only for the parent type
    // (googleOAuth2Api) to a child type the first time and then forgets it.
    const tokenEndpoint = { accessTokenUrl: auth.tokenUri };
    n8n = await startN8n({
      databaseUrl: inject('databaseUrl'),
      env: {
        CREDENTIALS_OVERWRITE_DATA: JSON.stringify({
          googleOAuth2Api: tokenEndpoint,
          gmailOAuth2: tokenEndpoint,
          googleDriveOAuth2Api: tokenEndpoint,
        }),
      },
    });
    client = new N8nClient({ url: n8n.url, apiKey: n8n.apiKey });
    oauth = createOAuthComponent({
      pool: db.pool,
      keys: encryptionKeys('k1', { k1: randomBytes(32).toString('hex') }),
    });
    workflows = createWorkflowsComponent({ n8nUrl: n8n.url, apiKey: n8n.apiKey });
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: REF.namespace } } });
    // The email workflow logs each message in the tenant's email_logs: its Postgres credential needs Secret database.
    await provisionTenant(kc, db.url, NAME, []);
    await writeOAuthSecret(kc, REF, {
      client_id: 'client-g',
      client_secret: 'secret-g-1',
      refresh_token: auth.register('client-g', 'secret-g-1'),
      token_uri: auth.tokenUri,
    });
    dept = await createDepartment(kc, NAME, {
      displayName: 'Google',
      adminEmail: 'g@example.com',
      enabledTools: ['email'],
      oauth: { secretRef: REF },
    });
    await upsertDepartmentRow(db.pool, dept, tenantNames(NAME), 'ACTIVE');
  });

  afterAll(async () => {
    await n8n?.stop();
    await auth?.close();
    await db?.drop([NAME]);
  });

  it('does hold the access token of the controller’s validating refresh, valid at Google', async () => {
    await reconcile();
    expect(auth.refreshes).toBe(1); // the controller's, once
    const res = await callGoogle();
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { ok: true, client: 'client-g' }]);
    expect(auth.refreshes).toBe(1); // n8n had a valid token: no refresh of its own
  });

  it('does end up with a valid token after n8n refreshed an expired one, and keeps it', async () => {
    auth.expireAccessTokens();
    const res = await callGoogle();
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { ok: true, client: 'client-g' }]);
    expect(auth.refreshes).toBe(2); // n8n refreshed on the 401
    const served = auth.served;
    expect((await callGoogle()).status).toBe(200);
    expect(auth.served).toBe(served + 1);
    expect(auth.refreshes).toBe(2); // the refreshed token was stored in the credential: no second refresh
  });

  it('does end up with a valid token after the client is rotated, and the old credential is gone', async () => {
    const old = await gmailCredential();
    auth.revokeClient('client-g');
    await writeOAuthSecret(kc, REF, {
      client_id: 'client-g',
      client_secret: 'secret-g-2',
      refresh_token: auth.register('client-g', 'secret-g-2'),
      token_uri: auth.tokenUri,
    });
    await reconcile();
    expect(auth.refreshes).toBe(3); // the controller validated the new client once
    const now = await gmailCredential();
    expect(now.id).not.toBe(old.id);
    const names = await n8nCredentialNames(inject('databaseUrl'), n8n.database.name, `${NAME} · `);
    expect(names.filter((n) => n.includes(' · Gmail · '))).toEqual([now.name]);
    const res = await callGoogle();
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { ok: true, client: 'client-g' }]);
    expect(auth.refreshes).toBe(3);
    // And n8n refreshes with the rotated client and refresh token from then on.
    auth.expireAccessTokens();
    expect((await callGoogle()).status).toBe(200);
    expect(auth.refreshes).toBe(4);
  });
});
