import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSecretData } from '../controller/platform/kube/secrets.ts';
import { namespaceFor, tenantSchemaFor } from '../crds/names.ts';
import { N8N_WEBHOOK_SECRET } from '../crds/secrets.ts';
import { departmentObject, testContext } from '../e2e/support/database.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { type RunningN8n, startN8n } from '../e2e/testenv/n8n.ts';
import { createWorkflowsComponent } from '../reconcilers/workflows/component.ts';
import { ToolCallLog } from './src/db/tool-calls.ts';
import { N8nWebhooks } from './src/tools/department/n8n-client.ts';
import { recordedTool } from './src/tools/record.ts';
import { buildTools } from './src/tools/registry.ts';

let bed: GatewayTestbed;
let n8n: RunningN8n;
let department: string;
let webhookBaseUrl: string;
/** The department's webhook credential (Secret n8n-webhook), which the runtime hands its agent. */
let webhook: { header: string; token: string };
let agentPool: pg.Pool;

beforeAll(async () => {
  [bed, n8n] = await Promise.all([
    startTestbed({ kubeconfig: inject('kubeconfig'), databaseUrl: inject('databaseUrl'), prefixes: ['tools'] }),
    startN8n({ databaseUrl: inject('databaseUrl') }),
  ]);
  department = bed.departments[0] as string;
  const dept = departmentObject(department, { enabledTools: ['database', 'agent_context'] });
  // The workflows component renders the department's webhooks into the real n8n, as the controller does.
  const workflows = createWorkflowsComponent({ n8nUrl: n8n.url, apiKey: n8n.apiKey });
  const result = await workflows.apply(testContext(bed.kc, dept));
  expect(result.condition.status).toBe('True');
  webhookBaseUrl = result.outputs?.webhookBaseUrl as string;
  webhook = (await readSecretData(bed.kube, { namespace: namespaceFor(department), name: N8N_WEBHOOK_SECRET })) as {
    header: string;
    token: string;
  };
  const schema = tenantSchemaFor(department);
  await bed.db.pool.query(`INSERT INTO ${schema}.contacts (name, email) VALUES ('Ada Lovelace', 'ada@example.com')`);
  await bed.db.pool.query(
    `INSERT INTO ${schema}.session_context (session_id, context_type, context_key, context_value)
     VALUES ('AJ_session', 'recent_emails', 'last', '{"subject":"Quarterly report"}')`,
  );
  // The agent writes its tool calls as the department's own role, from the Secret the database component wrote.
  const db = (await readSecretData(bed.kube, { namespace: namespaceFor(department), name: 'database' })) as Record<
    string,
    string
  >;
  agentPool = new pg.Pool({
    host: db.host,
    port: Number(db.port),
    database: db.database,
    user: db.user,
    password: db.password,
    max: 2,
  });
  agentPool.on('error', () => {});
}, 600_000);

afterAll(async () => {
  await agentPool?.end();
  await n8n?.stop();
  await bed?.stop();
});

async function call(tool: string, args: Record<string, unknown>) {
  const [t] = buildTools({ department, enabled: [tool], n8n: { baseUrl: webhookBaseUrl, ...webhook } });
  const wrapped = recordedTool(t as NonNullable<typeof t>, {
    department,
    sessionId: 'AJ_session',
    log: new ToolCallLog(agentPool, tenantSchemaFor(department)),
  });
  return wrapped.execute(
    args as never,
    { toolCallId: `call_${tool}`, abortSignal: new AbortController().signal } as never,
  );
}

describe('department tools against the real n8n', () => {
  it('reads the department’s own table through its database workflow and records the call as its role', async () => {
    expect(webhookBaseUrl).toBe(`${n8n.url}/webhook/${department}`);
    const rows = (await call('database', { table: 'contacts', limit: 5 })) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });
    const { rows: calls } = await agentPool.query(
      `SELECT function_name, parameters, status, result FROM ${tenantSchemaFor(department)}.tool_calls WHERE tool_call_id = $1`,
      ['AJ_session:call_database'],
    );
    expect(calls).toEqual([
      {
        function_name: 'database',
        parameters: { table: 'contacts', limit: 5 },
        status: 'COMPLETED',
        result: [expect.objectContaining({ name: 'Ada Lovelace' })],
      },
    ]);
  });

  it('recalls the session’s context through the agent_context workflow', async () => {
    const rows = (await call('agent_context', {})) as Record<string, unknown>[];
    expect(rows).toEqual([
      expect.objectContaining({
        context_type: 'recent_emails',
        context_key: 'last',
        context_value: { subject: 'Quarterly report' },
        department,
      }),
    ]);
  });

  it('relays a workflow that is not there as a sentence, and records the call FAILED', async () => {
    const answer = await call('vector_store', { query: 'anything' });
    expect(answer).toBe('The vector_store workflow is not active for this department.');
    const { rows } = await agentPool.query(
      `SELECT status, error_message FROM ${tenantSchemaFor(department)}.tool_calls WHERE tool_call_id = $1`,
      ['AJ_session:call_vector_store'],
    );
    expect(rows[0]).toMatchObject({ status: 'FAILED', error_message: expect.stringMatching(/answered 404/) });
  });

  it('sends the department’s webhook credential with every call', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers['x-federation-webhook'] as string | undefined);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const hooks = new N8nWebhooks({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/${department}`,
        header: 'X-Federation-Webhook',
        token: 'the-department-token',
      });
      expect(await hooks.call('database', { table: 'contacts' }, new AbortController().signal)).toEqual({
        status: 'COMPLETED',
        result: [],
      });
      expect(seen).toEqual(['the-department-token']);
    } finally {
      server.close();
    }
  });
});
