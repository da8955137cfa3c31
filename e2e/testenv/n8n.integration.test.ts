import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { N8nApiError, N8nClient } from '../../reconcilers/workflows/client.ts';
import type { WorkflowDefinition } from '../../reconcilers/workflows/render.ts';
import { type RunningN8n, startN8n } from './n8n.ts';
import { waitFor } from './wait.ts';

/** A webhook that runs `node` and answers with its output. */
function webhookWith(path: string, node: WorkflowDefinition['nodes'][number]): WorkflowDefinition {
  return {
    name: `probe ${path}`,
    nodes: [
      {
        id: 'w',
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        position: [0, 0],
        webhookId: randomUUID(),
        parameters: { httpMethod: 'POST', path, responseMode: 'responseNode', options: {} },
      },
      node,
      {
        id: 'r',
        name: 'Respond',
        type: 'n8n-nodes-base.respondToWebhook',
        typeVersion: 1.1,
        position: [400, 0],
        parameters: { respondWith: 'allIncomingItems', options: {} },
      },
    ],
    connections: {
      Webhook: { main: [[{ node: node.name, type: 'main', index: 0 }]] },
      [node.name]: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] },
    },
    settings: { executionOrder: 'v1' },
  };
}

describe('startN8n', () => {
  let n8n: RunningN8n;
  let client: N8nClient;
  const superuser = () => new pg.Client({ connectionString: inject('databaseUrl') });

  beforeAll(async () => {
    n8n = await startN8n({
      databaseUrl: inject('databaseUrl'),
      supervise: { intervalMs: 500, failuresBeforeRestart: 3, probeTimeoutMs: 1000, stopGraceMs: 2000 },
    });
    client = new N8nClient({ url: n8n.url, apiKey: n8n.apiKey });
  });

  afterAll(async () => {
    await n8n?.stop();
  });

  it('does run n8n as a login role of its own, no superuser, owning only its own database', async () => {
    const db = superuser();
    await db.connect();
    try {
      const role = await db.query(
        `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1`,
        [n8n.database.user],
      );
      expect(role.rows).toEqual([
        { rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false },
      ]);
      const owned = await db.query(
        'SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = $1)',
        [n8n.database.user],
      );
      expect(owned.rows.map((r) => r.datname)).toEqual([n8n.database.name]);
      const sessions = await db.query('SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1', [
        n8n.database.name,
      ]);
      expect(sessions.rows.map((r) => r.usename)).toEqual([n8n.database.user]);
    } finally {
      await db.end();
    }
  });

  it('does not let another role, such as a tenant role, connect to the n8n database', async () => {
    const role = `tenant_probe_${randomBytes(3).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const db = superuser();
    await db.connect();
    try {
      await db.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      const url = new URL(inject('databaseUrl'));
      url.username = role;
      url.password = password;
      url.pathname = `/${n8n.database.name}`;
      const tenant = new pg.Client({ connectionString: url.toString() });
      await expect(tenant.connect()).rejects.toThrow(/permission denied for database/);
      await tenant.end().catch(() => {});
    } finally {
      await db.query(`DROP ROLE IF EXISTS ${role}`);
      await db.end();
    }
  });

  it('does refuse workflows that would run shell commands or code', async () => {
    const nodes = [
      { type: 'n8n-nodes-base.executeCommand', typeVersion: 1, parameters: { command: 'id' } },
      { type: 'n8n-nodes-base.code', typeVersion: 2, parameters: { jsCode: 'return [{ json: { pwned: 42 } }]' } },
      { type: 'n8n-nodes-base.ssh', typeVersion: 1, parameters: { command: 'id' } },
    ];
    for (const [i, node] of nodes.entries()) {
      const path = `probe/${i}`;
      const workflow = await client.createWorkflow(
        webhookWith(path, { id: 'x', name: 'Run', position: [200, 0], ...node }),
      );
      const activation = client.activateWorkflow(workflow.id);
      await expect(activation).rejects.toBeInstanceOf(N8nApiError);
      await expect(activation).rejects.toThrow(/Unrecognized node type/);
      const res = await fetch(`${n8n.url}/webhook/${path}`, { method: 'POST' });
      expect(res.status).toBe(404);
      await client.deleteWorkflow(workflow.id);
    }
  });

  it('does restart n8n when its readiness keeps failing, keeping its API key and active webhooks', async () => {
    const workflow = await client.createWorkflow(
      webhookWith('probe/alive', {
        id: 's',
        name: 'Set',
        type: 'n8n-nodes-base.set',
        typeVersion: 3.4,
        position: [200, 0],
        parameters: {
          mode: 'manual',
          assignments: { assignments: [{ id: 'a', name: 'alive', value: 'yes', type: 'string' }] },
          options: {},
        },
      }),
    );
    await client.activateWorkflow(workflow.id);
    const wedged = n8n.pid;
    // A stopped process accepts connections and answers nothing, and ignores SIGTERM: what a wedged n8n does.
    process.kill(wedged, 'SIGSTOP');
    await waitFor(async () => n8n.restarts === 1, {
      timeoutMs: 300_000,
      intervalMs: 250,
      describe: () => 'n8n was not restarted, or the new process did not come up',
    });
    expect(n8n.pid).not.toBe(wedged);
    expect((await fetch(`${n8n.url}/healthz/readiness`)).status).toBe(200);
    expect(() => process.kill(wedged, 0)).toThrow(); // the wedged process is gone
    expect((await client.getWorkflow(workflow.id))?.active).toBe(true);
    const res = await fetch(`${n8n.url}/webhook/probe/alive`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ alive: 'yes' }]);
  });
});
