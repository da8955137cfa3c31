import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { upsertDepartmentRow } from '../../controller/platform/database/federation-records.ts';
import type { Tool } from '../../crds/department.ts';
import { namespaceFor, tenantSchemaFor } from '../../crds/names.ts';
import { createTestDatabase, type TestDatabase } from '../../e2e/support/database.ts';
import {
  contextFor,
  createDepartment,
  mergeStatus,
  n8nCredentialNames,
  provisionTenant,
  type Recorded,
  readWebhookSecret,
  writeOAuthSecret,
} from '../../e2e/support/workflows.ts';
import { n8nDir, type RunningN8n, startN8n } from '../../e2e/testenv/n8n.ts';
import type { Component, ComponentResult, DepartmentObject } from '../component.ts';
import { tenantNames } from '../database/names.ts';
import { createOAuthComponent } from '../oauth/component.ts';
import { encryptionKeys } from '../oauth/encryption-keys.ts';
import { N8nClient, type N8nWorkflow } from './client.ts';
import { createWorkflowsComponent } from './component.ts';
import { contentHash } from './content-hash.ts';
import { CREDENTIAL_RECORD_SECRET } from './credential-record.ts';
import { departmentTag, FEDERATION_TAG } from './tags.ts';
import { loadTemplate, WORKFLOW_TEMPLATES } from './templates.ts';

const suffix = randomBytes(3).toString('hex');
const A = `wfa-${suffix}`;
const B = `wfb-${suffix}`;
const HOSTILE = `Sales "}]}, {"x": 1} {{ $env.HOME }} \${department} '; DROP TABLE records; --`;
/** B's spec.customSettings: reach the agent-context workflow's answer as data, expressions unevaluated. */
const B_SETTINGS = { greeting: `Hi {{ $env.HOME }} ${HOSTILE}`, escalation: { afterMinutes: 5, to: ['ops'] } };
const ALL_TOOLS = Object.keys(WORKFLOW_TEMPLATES).sort() as Tool[];
const A_TOOLS: Tool[] = ALL_TOOLS;
const B_TOOLS: Tool[] = ['database', 'vector_store', 'agent_context', 'google_drive', 'file_download_email'];
/** Tools whose workflows reach only Postgres, so a served call answers 200 here (the others call Google). */
const LOCAL_TOOLS = new Set<Tool>(['database', 'vector_store', 'agent_context']);

describe('workflows component', () => {
  let n8n: RunningN8n;
  let kc: KubeConfig;
  let client: N8nClient;
  let component: Component;
  let oauth: Component;
  let calls: string[];
  let db: TestDatabase;
  const mirroredIds = async (name: string) =>
    (await db.pool.query('SELECT n8n_workflow_ids AS ids FROM federation.departments WHERE department_id = $1', [name]))
      .rows[0]?.ids;
  const depts: Record<string, DepartmentObject> = {};
  const recorded: Recorded = { events: [], logs: [] };
  const secrets: string[] = [];
  const results: ComponentResult[] = [];

  /** What the controller does: the oauth component first, its outputs handed to the workflows component. */
  const apply = async (name: string, workflows = component) => {
    const dept = depts[name] as DepartmentObject;
    const oauthResult = await oauth.apply(contextFor(kc, dept, recorded));
    const result = await workflows.apply(contextFor(kc, dept, recorded, { oauth: oauthResult.outputs ?? {} }));
    mergeStatus(dept, result);
    results.push(result);
    return result;
  };
  const workflowsOf = async (name: string) =>
    Promise.all((await client.listWorkflows(departmentTag(name))).map((w) => client.getWorkflow(w.id))) as Promise<
      N8nWorkflow[]
    >;
  const credentialsOf = (name: string) => n8nCredentialNames(inject('databaseUrl'), n8n.database.name, `${name} · `);
  const call = async (name: string, tool: Tool, body: unknown, header?: { header: string; token: string }) => {
    const res = await fetch(`${n8n.url}/webhook/${name}/${tool}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header ? { [header.header]: header.token } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    kc = new KubeConfig();
    kc.loadFromFile(inject('kubeconfig'));
    db = await createTestDatabase(inject('databaseUrl'));
    n8n = await startN8n({ databaseUrl: inject('databaseUrl') });
    client = new N8nClient({ url: n8n.url, apiKey: n8n.apiKey });
    calls = [];
    component = createWorkflowsComponent({
      n8nUrl: n8n.url,
      apiKey: n8n.apiKey,
      onRequest: (method, path) => calls.push(`${method} ${path}`),
      pool: db.pool,
    });
    const key = randomBytes(32).toString('hex');
    secrets.push(key);
    oauth = createOAuthComponent({ pool: db.pool, keys: encryptionKeys('k1', { k1: key }) });
    for (const [name, rows, tools, displayName] of [
      [A, ['a-1', 'a-2'], A_TOOLS, 'Accounting'],
      [B, ['b-1'], B_TOOLS, HOSTILE],
    ] as const) {
      const login = await provisionTenant(kc, db.url, name, [...rows]);
      const client_secret = `cs-${randomBytes(12).toString('hex')}`;
      await writeOAuthSecret(
        kc,
        { name: 'google-oauth', namespace: `dept-${name}` },
        { client_id: `${name}.apps`, client_secret },
      );
      secrets.push(login.password, client_secret);
      depts[name] = await createDepartment(kc, name, {
        displayName,
        adminEmail: `admin@${name}.example.com`,
        enabledTools: [...tools],
        oauth: { secretRef: { name: 'google-oauth', namespace: `dept-${name}` } },
        ...(name === B ? { customSettings: B_SETTINGS } : {}),
      });
      // The row the database component keeps (this test provisions a bare tenant of its own).
      await upsertDepartmentRow(db.pool, depts[name] as DepartmentObject, tenantNames(name), 'ACTIVE');
    }
  });

  afterAll(async () => {
    await n8n?.stop();
  });

  it('uses only node types and versions that exist in the n8n it runs', () => {
    const file = join(n8nDir(), 'node_modules', 'n8n-nodes-base', 'dist', 'types', 'nodes.json');
    const known = new Set(
      (JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: number | number[] }[]).flatMap((n) =>
        [n.version].flat().map((v) => `n8n-nodes-base.${n.name}@${v}`),
      ),
    );
    for (const tool of ALL_TOOLS) {
      for (const node of loadTemplate(tool).nodes) expect(known).toContain(`${node.type}@${node.typeVersion}`);
    }
  });

  it('gives each department exactly its workflows and credentials, tagged and active', async () => {
    for (const name of [A, B]) expect((await apply(name)).condition).toMatchObject({ status: 'True' });
    for (const [name, tools] of [
      [A, A_TOOLS],
      [B, B_TOOLS],
    ] as const) {
      const workflows = await workflowsOf(name);
      expect(workflows.map((w) => w.name).sort()).toHaveLength(tools.length);
      expect(Object.keys(depts[name]?.status?.workflowIds ?? {}).sort()).toEqual([...tools].sort());
      expect(await mirroredIds(name)).toEqual(depts[name]?.status?.workflowIds);
      for (const w of workflows) {
        expect(w.active).toBe(true);
        expect(w.tags?.map((t) => t.name).sort()).toEqual([departmentTag(name), FEDERATION_TAG].sort());
        const credentialNames = w.nodes.flatMap((n) => Object.values(n.credentials ?? {}).map((c) => c.name));
        for (const c of credentialNames) expect(c.startsWith(`${name} · `)).toBe(true);
      }
      // One credential per kind in n8n itself: webhook auth, PostgreSQL, Google Drive, Gmail.
      const kinds = (await credentialsOf(name)).map((c) => c.split(' · ')[1]);
      expect(kinds.sort()).toEqual(['Gmail', 'Google Drive', 'PostgreSQL', 'Webhook auth']);
      secrets.push((await readWebhookSecret(kc, name)).token);
    }
  });

  it('refuses every webhook of every template without the department credential or with another department’s, and serves it with its own', async () => {
    const own = await readWebhookSecret(kc, A);
    const other = await readWebhookSecret(kc, B);
    expect(own.header).toBe('X-Federation-Webhook-Token');
    expect(own.token).not.toBe(other.token);
    const body = { table: 'contacts', session_id: 's', query: 'a', file_id: 'f', to: 'x@example.com' };
    for (const tool of ALL_TOOLS) {
      const webhooks = loadTemplate(tool).nodes.filter((n) => n.type === 'n8n-nodes-base.webhook');
      expect(webhooks).toHaveLength(1);
      const none = await call(A, tool, body);
      expect([tool, none.status]).toEqual([tool, 403]);
      const foreign = await call(A, tool, body, other);
      expect([tool, foreign.status]).toEqual([tool, 403]);
      const served = await call(A, tool, body, own);
      if (LOCAL_TOOLS.has(tool)) expect([tool, served.status]).toEqual([tool, 200]);
      // The Google tools pass authentication and run; Google itself is unreachable here.
      else expect([tool, served.status, served.body]).not.toEqual([tool, 403, 'Authorization data is wrong!']);
    }
  });

  it("answers department A's database webhook with A's rows, never B's", async () => {
    const a = await call(A, 'database', { table: 'contacts' }, await readWebhookSecret(kc, A));
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).map((r: { label: string }) => r.label)).toEqual(['a-1', 'a-2']);
    const b = await call(B, 'database', { table: 'contacts' }, await readWebhookSecret(kc, B));
    expect(JSON.parse(b.body).map((r: { label: string }) => r.label)).toEqual(['b-1']);
  });

  it("refuses another schema's table and any table outside the tenant's list, before a query runs", async () => {
    const own = await readWebhookSecret(kc, A);
    const other = tenantSchemaFor(B);
    for (const table of [
      `${other}.contacts`,
      `"${other}"."contacts"`,
      `contacts" UNION SELECT * FROM ${other}.contacts --`,
      'records', // in A's schema, but not one of the tenant tables
      'pg_authid',
      ['contacts'],
      undefined,
    ]) {
      const res = await call(A, 'database', { table }, own);
      expect([table, res.status]).toEqual([table, 403]);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'table_not_allowed' });
      expect(res.body).not.toContain('b-1');
    }
  });

  it('keeps a hostile display name as plain data, also when n8n runs the workflow', async () => {
    const workflow = (await workflowsOf(B)).find((w) => w.name.endsWith('Agent context')) as N8nWorkflow;
    const set = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.set');
    expect(JSON.stringify(set?.parameters)).toContain(JSON.stringify(HOSTILE).slice(1, -1));
    const res = await call(B, 'agent_context', { session_id: 'none' }, await readWebhookSecret(kc, B));
    expect(res.status).toBe(200);
    expect(res.body).toContain(JSON.stringify(HOSTILE).slice(1, -1));
    // spec.customSettings reaches the workflow as one object, its {{ }} kept as text.
    expect([JSON.parse(res.body)].flat()[0]).toMatchObject({ customSettings: B_SETTINGS });
  });

  it('changes nothing in n8n when nothing drifted', async () => {
    calls.length = 0;
    await apply(A);
    expect(calls.filter((c) => !c.startsWith('GET'))).toEqual([]);
  });

  it('restores a workflow edited, deactivated or deleted in n8n', async () => {
    const ids = depts[A]?.status?.workflowIds as Record<string, string>;
    const edited = (await client.getWorkflow(ids.database as string)) as N8nWorkflow;
    const before = contentHash(edited, ['executionOrder']);
    const node = edited.nodes.find((n) => n.type === 'n8n-nodes-base.postgres');
    if (node) node.parameters.query = 'SELECT * FROM pg_roles';
    await client.updateWorkflow(edited.id, edited);
    await client.deactivateWorkflow(ids.email as string);
    await client.deleteWorkflow(ids.agent_context as string);

    recorded.events.length = 0;
    expect((await apply(A)).condition.status).toBe('True');
    const restored = (await client.getWorkflow(ids.database as string)) as N8nWorkflow;
    expect(contentHash(restored, ['executionOrder'])).toBe(before);
    expect(restored.active).toBe(true);
    expect((await client.getWorkflow(ids.email as string))?.active).toBe(true);
    const newIds = depts[A]?.status?.workflowIds as Record<string, string>;
    expect(newIds.agent_context).not.toBe(ids.agent_context);
    expect((await client.getWorkflow(newIds.agent_context as string))?.active).toBe(true);
    expect(recorded.events.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['WorkflowDriftRepaired', 'WorkflowCreated']),
    );
  });

  it("rotates the n8n Google credential when the department's OAuth Secret changes", async () => {
    const gmailRef = async () =>
      (await workflowsOf(A))
        .flatMap((w) => w.nodes)
        .map((n) => n.credentials?.gmailOAuth2)
        .find(Boolean) as { id: string; name: string };
    const old = await gmailRef();
    const rotated = `cs-${randomBytes(12).toString('hex')}`;
    secrets.push(rotated);
    await writeOAuthSecret(
      kc,
      { name: 'google-oauth', namespace: `dept-${A}` },
      { client_id: `${A}.apps`, client_secret: rotated },
    );
    await apply(A);
    const now = await gmailRef();
    expect(now.id).not.toBe(old.id);
    expect(now.name).not.toBe(old.name);
    expect(await credentialsOf(A)).not.toContain(old.name);
    expect((await credentialsOf(A)).filter((c) => c.includes(' · Gmail · '))).toEqual([now.name]);
  });

  it('rotates the webhook token when its Secret is deleted: the old token is refused, the new one served', async () => {
    const old = await readWebhookSecret(kc, A);
    await kc.makeApiClient(CoreV1Api).deleteNamespacedSecret({ name: 'n8n-webhook', namespace: namespaceFor(A) });
    expect((await apply(A)).condition.status).toBe('True');
    const fresh = await readWebhookSecret(kc, A);
    secrets.push(fresh.token);
    expect(fresh.token).not.toBe(old.token);
    expect((await call(A, 'database', { table: 'contacts' }, old)).status).toBe(403);
    expect((await call(A, 'database', { table: 'contacts' }, fresh)).status).toBe(200);
    expect((await credentialsOf(A)).filter((c) => c.includes(' · Webhook auth · '))).toHaveLength(1);
  });

  it('rotates the webhook token once it is older than the maximum age', async () => {
    const old = await readWebhookSecret(kc, A);
    const shortLived = createWorkflowsComponent({ n8nUrl: n8n.url, apiKey: n8n.apiKey, webhookTokenMaxAgeMs: 1 });
    recorded.events.length = 0;
    expect((await apply(A, shortLived)).condition.status).toBe('True');
    const fresh = await readWebhookSecret(kc, A);
    secrets.push(fresh.token);
    expect(fresh.token).not.toBe(old.token);
    expect(recorded.events.map((e) => e.reason)).toContain('N8nWebhookTokenRotated');
    expect((await call(A, 'database', { table: 'contacts' }, fresh)).status).toBe(200);
  });

  it('removes the workflow and credential of a tool taken out of enabledTools', async () => {
    const dept = depts[A] as DepartmentObject;
    const emailId = dept.status?.workflowIds?.email as string;
    dept.spec.enabledTools = ['database', 'agent_context', 'google_drive', 'vector_store'];
    await apply(A);
    expect(await client.getWorkflow(emailId)).toBeUndefined();
    expect(Object.keys(dept.status?.workflowIds ?? {}).sort()).toEqual(
      ['agent_context', 'database', 'google_drive', 'vector_store'].sort(),
    );
    const refs = (await workflowsOf(A)).flatMap((w) => w.nodes).flatMap((n) => Object.keys(n.credentials ?? {}));
    expect(refs).not.toContain('gmailOAuth2');
    expect((await credentialsOf(A)).map((c) => c.split(' · ')[1]).sort()).toEqual([
      'Google Drive',
      'PostgreSQL',
      'Webhook auth',
    ]);
  });

  it('reports an unreachable n8n as Unknown N8nUnavailable, announced once for all departments', async () => {
    let probes = 0;
    const offline = createWorkflowsComponent({
      n8nUrl: 'http://127.0.0.1:9',
      apiKey: 'x',
      requestTimeoutMs: 2000,
      onRequest: (_, path) => {
        if (path === '/healthz/readiness') probes++;
      },
    });
    recorded.events.length = 0;
    const outcomes = await Promise.all([A, B].map((name) => apply(name, offline)));
    for (const result of outcomes) {
      expect(result.condition).toMatchObject({ status: 'Unknown', reason: 'N8nUnavailable' });
      expect(result.condition.message).toContain('refuses connections');
      expect(result.requeueAfterMs).toBeGreaterThan(0);
    }
    expect(probes).toBe(1);
    expect(recorded.events.filter((e) => e.reason === 'N8nUnavailable')).toHaveLength(1);
  });

  it('removes workflows, credentials and its Secrets when the department is deleted', async () => {
    const dept = depts[A] as DepartmentObject;
    const result = await component.delete(contextFor(kc, dept, recorded));
    expect(result.condition.reason).toBe('WorkflowsDeleted');
    expect(await mirroredIds(A)).toBeNull();
    expect(await client.listWorkflows(departmentTag(A))).toEqual([]);
    expect(await credentialsOf(A)).toEqual([]);
    const core = kc.makeApiClient(CoreV1Api);
    for (const name of ['n8n-webhook', CREDENTIAL_RECORD_SECRET]) {
      await expect(core.readNamespacedSecret({ name, namespace: namespaceFor(A) })).rejects.toMatchObject({
        code: 404,
      });
    }
    expect(await client.listWorkflows(departmentTag(B))).toHaveLength(B_TOOLS.length);
    expect(await credentialsOf(B)).toHaveLength(4);
  });

  it('puts no secret into events, logs, conditions or status', () => {
    const everything = JSON.stringify([recorded, depts, results.map((r) => [r.condition, r.status])]);
    for (const s of secrets) expect(everything).not.toContain(s);
  });
});
