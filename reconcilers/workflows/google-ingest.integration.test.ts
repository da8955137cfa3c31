import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { namespaceFor } from '../../crds/names.ts';
import { createNamespace, createTestDatabase, type TestDatabase } from '../../e2e/support/database.ts';
import { type GoogleApiStandIn, startGoogleApi } from '../../e2e/support/google-api.ts';
import { startAuthServer, type TestAuthServer } from '../../e2e/support/google-auth-server.ts';
import {
  contextFor,
  createDepartment,
  mergeStatus,
  type Recorded,
  readWebhookSecret,
  writeOAuthSecret,
} from '../../e2e/support/workflows.ts';
import { type RunningN8n, startN8n } from '../../e2e/testenv/n8n.ts';
import type { Component, DepartmentObject } from '../component.ts';
import { createDatabaseComponent } from '../database/component.ts';
import { tenantNames } from '../database/names.ts';
import { createOAuthComponent } from '../oauth/component.ts';
import { encryptionKeys } from '../oauth/encryption-keys.ts';
import { createWorkflowsComponent } from './component.ts';

const NAME = `wfi-${randomBytes(3).toString('hex')}`;
const REF = { name: 'google-oauth', namespace: namespaceFor(NAME) };
const FOLDER = 'folder-hr';
const MAILBOX = `assistant@${NAME}.example.com`;
const modifiedTime = '2026-11-30T09:00:00.000Z';

describe('Google workflows fill the tables the tools search', () => {
  let auth: TestAuthServer;
  let google: GoogleApiStandIn;
  let n8n: RunningN8n;
  let kc: KubeConfig;
  let db: TestDatabase;
  let dept: DepartmentObject;
  let webhook: { header: string; token: string };
  const schema = tenantNames(NAME).schema;
  const recorded: Recorded = { events: [], logs: [] };

  const call = async (tool: string, body: unknown) => {
    const res = await fetch(`${n8n.url}/webhook/${NAME}/${tool}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [webhook.header]: webhook.token },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    auth = await startAuthServer(3600);
    google = await startGoogleApi(auth.resourceUri, MAILBOX);
    kc = new KubeConfig();
    kc.loadFromFile(inject('kubeconfig'));
    db = await createTestDatabase(inject('databaseUrl'));
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
    await createNamespace(kc, NAME);
    await writeOAuthSecret(kc, REF, {
      client_id: 'client-i',
      client_secret: 'secret-i',
      refresh_token: auth.register('client-i', 'secret-i'),
      token_uri: auth.tokenUri,
    });
    dept = await createDepartment(kc, NAME, {
      displayName: 'Human Resources',
      adminEmail: `admin@${NAME}.example.com`,
      enabledTools: ['google_drive', 'email'],
      googleWorkspace: { domain: `${NAME}.example.com`, driveFolderId: FOLDER },
      oauth: { secretRef: REF },
    });
    // The real tenant (tables, search vectors, role and Secret database), as the controller provisions it.
    const database = await createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint }).apply(
      contextFor(kc, dept, recorded),
    );
    expect(database.condition.status).toBe('True');
    const oauth: Component = createOAuthComponent({
      pool: db.pool,
      keys: encryptionKeys('k1', { k1: randomBytes(32).toString('hex') }),
    });
    const o = await oauth.apply(contextFor(kc, dept, recorded));
    expect(o.condition).toMatchObject({ status: 'True', reason: 'Valid' });
    const workflows = createWorkflowsComponent({ n8nUrl: n8n.url, apiKey: n8n.apiKey, googleApiBaseUrl: google.url });
    const w = await workflows.apply(contextFor(kc, dept, recorded, { oauth: o.outputs ?? {} }));
    expect(w.condition).toMatchObject({ status: 'True' });
    mergeStatus(dept, w);
    webhook = await readWebhookSecret(kc, NAME);
    const file = (id: string, name: string, mimeType: string, content: string, parents = [FOLDER]) =>
      google.files.set(id, { id, name, mimeType, parents, modifiedTime, content });
    file('f-leave', 'Leave policy.txt', 'text/plain', 'Staff receive twenty-five days of paid vacation every year.');
    file('f-onboard', 'Onboarding', 'application/vnd.google-apps.document', 'New hires get a laptop on day one.');
    file('f-photo', 'Team photo.png', 'image/png', 'not text');
    file('f-other', 'Other folder.txt', 'text/plain', 'Filed elsewhere.', ['folder-elsewhere']);
  });

  afterAll(async () => {
    await n8n?.stop();
    await google?.close();
    await auth?.close();
    await db?.drop([NAME]);
  });

  it('does store the text of the folder’s documents it lists, full-text searchable', async () => {
    const res = await call('google_drive', {});
    expect(res.status).toBe(200);
    const answered = [JSON.parse(res.body)].flat() as { file_id: string }[];
    expect(answered.map((d) => d.file_id).sort()).toEqual(['f-leave', 'f-onboard']);
    const { rows } = await db.pool.query(
      `SELECT drive_file_id, drive_folder_id, file_name, mime_type, extracted_text, text_length, extraction_status,
              web_view_link, drive_modified_time = $1::timestamptz AS modified, department_id
         FROM ${schema}.drive_document_repository ORDER BY drive_file_id`,
      [modifiedTime],
    );
    expect(rows).toEqual([
      {
        drive_file_id: 'f-leave',
        drive_folder_id: FOLDER,
        file_name: 'Leave policy.txt',
        mime_type: 'text/plain',
        extracted_text: 'Staff receive twenty-five days of paid vacation every year.',
        text_length: 59,
        extraction_status: 'completed',
        web_view_link: 'https://drive.google.com/file/d/f-leave/view',
        modified: true,
        department_id: NAME,
      },
      expect.objectContaining({
        drive_file_id: 'f-onboard',
        mime_type: 'application/vnd.google-apps.document',
        extracted_text: 'New hires get a laptop on day one.',
      }),
    ]);
    const found = await db.pool.query(
      `SELECT drive_file_id FROM ${schema}.drive_document_repository
        WHERE search_vector @@ websearch_to_tsquery('english', 'paid vacation')`,
    );
    expect(found.rows).toEqual([{ drive_file_id: 'f-leave' }]);
  });

  it('does store a document it downloads by id again with its current text', async () => {
    google.files.set('f-leave', {
      ...(google.files.get('f-leave') as NonNullable<ReturnType<typeof google.files.get>>),
      content: 'Staff receive thirty days of paid vacation every year.',
    });
    const res = await call('google_drive', { file_id: 'f-leave' });
    expect(res.status).toBe(200);
    expect([JSON.parse(res.body)].flat()[0]).toMatchObject({
      file_id: 'f-leave',
      text: 'Staff receive thirty days of paid vacation every year.',
    });
    const { rows } = await db.pool.query(
      `SELECT extracted_text, access_count FROM ${schema}.drive_document_repository WHERE drive_file_id = 'f-leave'`,
    );
    expect(rows).toEqual([
      { extracted_text: 'Staff receive thirty days of paid vacation every year.', access_count: 2 },
    ]);
  });

  it('does send an email through Gmail and log it in email_logs, full-text searchable', async () => {
    const subject = 'Your leave request — approved';
    const res = await call('email', {
      to: 'ann@example.com',
      subject,
      message: 'Your vacation from 2 to 6 March is approved.',
      session_id: 'session-1',
    });
    expect(res.status).toBe(200);
    const [message] = google.sent;
    expect(message).toMatchObject({
      headers: { from: `Human Resources <${MAILBOX}>`, to: 'ann@example.com', subject },
      body: 'Your vacation from 2 to 6 March is approved.',
    });
    expect(JSON.parse(res.body)).toMatchObject({ message_id: message?.id, status: 'SENT' });
    const { rows } = await db.pool.query(
      `SELECT message_id, direction, from_address, to_addresses, subject, body, status, session_id, sent_at IS NOT NULL AS sent
         FROM ${schema}.email_logs WHERE search_vector @@ websearch_to_tsquery('english', 'vacation approved')`,
    );
    expect(rows).toEqual([
      {
        message_id: message?.id,
        direction: 'outbound',
        from_address: MAILBOX,
        to_addresses: ['ann@example.com'],
        subject,
        body: 'Your vacation from 2 to 6 March is approved.',
        status: 'SENT',
        session_id: 'session-1',
        sent: true,
      },
    ]);
  });

  it('does keep a line break in a field out of the message headers', async () => {
    const to = 'ann@example.com\r\nBcc: evil@example.com';
    const res = await call('email', { to, subject: 'Hi\r\nCc: evil@example.com', message: 'x' });
    expect(res.status).toBe(200);
    const message = google.sent.at(-1);
    expect(message?.headers).not.toHaveProperty('bcc');
    expect(message?.headers).not.toHaveProperty('cc');
    expect(message?.headers).toMatchObject({
      to: 'ann@example.com Bcc: evil@example.com',
      subject: 'Hi Cc: evil@example.com',
    });
  });
});
