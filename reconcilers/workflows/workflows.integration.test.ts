import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Component, DepartmentObject } from '../../controller/core/component.ts';
import { ComponentError } from '../../controller/core/component.ts';
import { upsertDepartmentRow } from '../../controller/platform/database/federation-records.ts';
import type { Tool } from '../../crds/department.ts';
import { tenantSchemaFor } from '../../crds/names.ts';
import { createTestDatabase, type TestDatabase } from '../../e2e/support/database.ts';
import {
  contextFor,
  createDepartment,
  mergeStatus,
  provisionTenant,
  type Recorded,
  writeOAuthSecret,
} from '../../e2e/support/workflows.ts';
import { n8nDir, type RunningN8n, startN8n } from '../../e2e/testenv/n8n.ts';
import { tenantNames } from '../database/names.ts';
import { N8nClient, type N8nWorkflow } from './client.ts';
import { createWorkflowsComponent } from './component.ts';
import { contentHash } from './content-hash.ts';
import { departmentTag, FEDERATION_TAG } from './tags.ts';
import { loadTemplate, WORKFLOW_TEMPLATES } from './templates.ts';

const suffix = randomBytes(3).toString('hex');
const A = `wfa-${suffix}`;
const B = `wfb-${suffix}`;
const HOSTILE = `Sales "}]}, {"x": 1} {{ $env.HOME }} \${department} '; DROP TABLE records; --`;
const A_TOOLS: Tool[] = ['database', 'email', 'agent_context'];
const B_TOOLS: Tool[] = ['database', 'vector_store', 'agent_context', 'google_drive', 'file_download_email'];

describe('workflows component', () => {
  let n8n: RunningN8n;
  let kc: KubeConfig;
  let client: N8nClient;
  let component: Component;
  let calls: string[];
  let db: TestDatabase;
  const mirroredIds = async (name: string) =>
    (await db.pool.query('SELECT n8n_workflow_ids AS ids FROM federation.departments WHERE department_id = $1', [name]))
      .rows[0]?.ids;
  const depts: Record<string, DepartmentObject> = {};
  const recorded: Recorded = { events: [], logs: [] };
  const secrets: string[] = [];

  const apply = async (name: string) => {
    const result = await component.apply(contextFor(kc, depts[name] as DepartmentObject, recorded));
    mergeStatus(depts[name] as DepartmentObject, result);
    secrets.length && expect(JSON.stringify(result)).not.toMatch(new RegExp(secrets.join('|')));
    return result;
  };
  const workflowsOf = async (name: string) =>
    Promise.all((await client.listWorkflows(departmentTag(name))).map((w) => client.getWorkflow(w.id))) as Promise<
      N8nWorkflow[]
    >;

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
    for (const [name, rows, tools, displayName] of [
      [A, ['a-1', 'a-2'], A_TOOLS, 'Accounting'],
      [B, ['b-1'], B_TOOLS, HOSTILE],
    ] as const) {
      const login = await provisionTenant(kc, db.url, name, [...rows]);
      const oauth = { client_id: `${name}.apps`, client_secret: `cs-${randomBytes(12).toString('hex')}` };
      await writeOAuthSecret(kc, { name: 'google-oauth', namespace: `dept-${name}` }, oauth);
      secrets.push(login.password, oauth.client_secret);
      depts[name] = await createDepartment(kc, name, {
        displayName,
        adminEmail: `admin@${name}.example.com`,
        enabledTools: [...tools],
        oauth: { secretRef: { name: 'google-oauth', namespace: `dept-${name}` } },
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
    for (const tool of Object.keys(WORKFLOW_TEMPLATES) as Tool[]) {
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
    }
  });

  it("answers department A's database webhook with A's rows, never B's", async () => {
    const query = async (name: string, table: string) => {
      const res = await fetch(`${n8n.url}/webhook/${name}/database`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ table }),
      });
      return { status: res.status, body: await res.text() };
    };
    const a = await query(A, 'records');
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).map((r: { label: string }) => r.label)).toEqual(['a-1', 'a-2']);
    const b = await query(B, 'records');
    expect(JSON.parse(b.body).map((r: { label: string }) => r.label)).toEqual(['b-1']);
    // The table name is bound as an identifier, and A's login cannot read B's schema anyway.
    const sneaky = await query(A, `records" UNION SELECT * FROM ${tenantSchemaFor(B)}.records --`);
    expect(sneaky.body).not.toContain('b-1');
  });

  it('keeps a hostile display name as plain data, also when n8n runs the workflow', async () => {
    const workflow = (await workflowsOf(B)).find((w) => w.name.endsWith('Agent context')) as N8nWorkflow;
    const set = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.set');
    expect(JSON.stringify(set?.parameters)).toContain(JSON.stringify(HOSTILE).slice(1, -1));
    const res = await fetch(`${n8n.url}/webhook/${B}/agent_context`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: 'none' }),
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain(JSON.stringify(HOSTILE).slice(1, -1));
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
      {
        client_id: `${A}.apps`,
        client_secret: rotated,
      },
    );
    await apply(A);
    const now = await gmailRef();
    expect(now.id).not.toBe(old.id);
    expect(now.name).not.toBe(old.name);
    // The old credential is gone: deleting it again is a 404.
    const gone = await fetch(`${n8n.url}/api/v1/credentials/${old.id}`, {
      method: 'DELETE',
      headers: { 'X-N8N-API-KEY': n8n.apiKey },
    });
    expect(gone.status).toBe(404);
  });

  it('removes the workflow and credential of a tool taken out of enabledTools', async () => {
    const dept = depts[A] as DepartmentObject;
    const emailId = dept.status?.workflowIds?.email as string;
    dept.spec.enabledTools = ['database', 'agent_context'];
    await apply(A);
    expect(await client.getWorkflow(emailId)).toBeUndefined();
    expect(Object.keys(dept.status?.workflowIds ?? {}).sort()).toEqual(['agent_context', 'database']);
    const refs = (await workflowsOf(A)).flatMap((w) => w.nodes).flatMap((n) => Object.keys(n.credentials ?? {}));
    expect(refs).not.toContain('gmailOAuth2');
  });

  it('reports n8n unreachable as a retryable ComponentError with reason N8nUnreachable', async () => {
    const offline = createWorkflowsComponent({ n8nUrl: 'http://127.0.0.1:9', apiKey: 'x', requestTimeoutMs: 2000 });
    const failure = offline.apply(contextFor(kc, depts[B] as DepartmentObject, recorded));
    await expect(failure).rejects.toBeInstanceOf(ComponentError);
    await expect(failure).rejects.toMatchObject({ reason: 'N8nUnreachable' });
  });

  it('removes workflows and credentials from n8n when the department is deleted', async () => {
    const dept = depts[A] as DepartmentObject;
    const credentialIds = (await workflowsOf(A))
      .flatMap((w) => w.nodes)
      .flatMap((n) => Object.values(n.credentials ?? {}).map((c) => c.id));
    const result = await component.delete(contextFor(kc, dept, recorded));
    expect(result.condition.reason).toBe('WorkflowsDeleted');
    expect(await mirroredIds(A)).toBeNull();
    expect(await client.listWorkflows(departmentTag(A))).toEqual([]);
    for (const id of new Set(credentialIds)) {
      const res = await fetch(`${n8n.url}/api/v1/credentials/${id}`, {
        method: 'DELETE',
        headers: { 'X-N8N-API-KEY': n8n.apiKey },
      });
      expect(res.status).toBe(404);
    }
    expect(await client.listWorkflows(departmentTag(B))).toHaveLength(B_TOOLS.length);
  });

  it('puts no secret into events, logs or results', () => {
    const everything = JSON.stringify([recorded, depts]);
    for (const s of secrets) expect(everything).not.toContain(s);
  });
});
