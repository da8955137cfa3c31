import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ProviderStandIns, startProviderStandIns } from '../../../../e2e/providers/server.ts';
import { type GatewayTestbed, startTestbed } from '../../../../e2e/support/gateway.ts';
import { buildTools } from '../registry.ts';
import type { AgentTool } from '../tool.ts';
import { WORKFLOW_FALLBACK_NOTE } from './vector-store.ts';

describe('vector_store tool', () => {
  let bed: GatewayTestbed;
  let providers: ProviderStandIns;
  let gateway: { url: string; close(): void };
  let hr: string;
  let plain: string;

  async function toolFor(department: string, withGateway = true, n8nBase = 'http://127.0.0.1:9/webhook') {
    const tools = buildTools({
      department,
      enabled: ['vector_store'],
      n8n: { baseUrl: n8nBase },
      gateway: withGateway ? { url: gateway.url, token: await bed.token(department) } : undefined,
    });
    return tools.find((t) => t.name === 'vector_store') as AgentTool;
  }
  const run = (tool: AgentTool, query: string) =>
    tool.run({ query }, { department: 'x', sessionId: 's', signal: new AbortController().signal });

  async function add(department: string, document_id: string, title: string, text: string) {
    const res = await fetch(`${gateway.url}/api/v1/departments/${department}/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await bed.token(department)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ document_id, title, text }),
    });
    expect(res.status).toBe(201);
  }

  beforeAll(async () => {
    providers = await startProviderStandIns();
    bed = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['hr', 'plain'],
    });
    [hr, plain] = bed.departments as [string, string];
    await bed.db.pool.query(
      `UPDATE federation.departments SET config = jsonb_set(config, '{llm}', '{"provider": "openai"}') WHERE department_id = $1`,
      [hr],
    );
    const app = bed.app({
      embeddings: { openai: { baseUrl: providers.env.OPENAI_BASE_URL, apiKey: 'k', model: 'text-embedding-3-small' } },
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    gateway = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
    await add(hr, 'leave', 'Annual leave policy', 'Every staff member receives twenty-five days of paid vacation.');
    await add(hr, 'expenses', 'Expense rules', 'Submit receipts for reimbursement by the fifth of the month.');
    await add(plain, 'leave', 'Annual leave policy', 'Every staff member receives twenty-five days of paid vacation.');
  });

  afterAll(async () => {
    gateway?.close();
    await bed?.stop();
    await providers?.stop();
  });

  it('does rank the department’s own passages by cosine similarity through the gateway', async () => {
    const outcome = await run(await toolFor(hr), 'how many holidays do workers get');
    expect(outcome.status).toBe('COMPLETED');
    const result = (outcome as { result: { search: string; note: string; results: Record<string, unknown>[] } }).result;
    expect(result.search).toBe('cosine');
    expect(result.note).toMatch(/^Ranked by cosine similarity of /);
    expect(result.results[0]).toMatchObject({ document_id: 'upload:leave', title: 'Annual leave policy' });
  });

  it('does say plainly when the gateway fell back to text search', async () => {
    const outcome = await run(await toolFor(plain), 'paid vacation');
    const result = (outcome as { result: { search: string; note: string; results: Record<string, unknown>[] } }).result;
    expect(result.search).toBe('text');
    expect(result.note).toMatch(/^Fell back to full-text search: the department's LLM provider cerebras/);
    expect(result.results.map((r) => r.id)).toEqual(['upload:leave']);
  });

  it('does say plainly that the workflow matched by text when there is no gateway', async () => {
    const workflow = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ content: 'paid vacation' }]));
    });
    await new Promise<void>((r) => workflow.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(workflow.address() as AddressInfo).port}/webhook/${hr}`;
      const outcome = await run(await toolFor(hr, false, base), 'vacation');
      expect(outcome).toEqual({
        status: 'COMPLETED',
        result: { search: 'text', note: WORKFLOW_FALLBACK_NOTE, results: [{ content: 'paid vacation' }] },
      });
    } finally {
      workflow.close();
    }
  });
});
