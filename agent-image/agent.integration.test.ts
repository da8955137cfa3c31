import { spawnSync } from 'node:child_process';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSecretData } from '../controller/platform/kube/secrets.ts';
import { namespaceFor, tenantSchemaFor } from '../crds/names.ts';
import { type ProviderStandIns, startProviderStandIns } from '../e2e/providers/server.ts';
import { AGENT_MAIN, ensureAgentBuild } from '../e2e/railway/agent-build.ts';
import { type AgentProcess, startAgentProcess } from '../e2e/support/agent.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { roomWithAgent } from '../e2e/support/livekit-room.ts';
import { type RunningLivekit, startLivekit } from '../e2e/testenv/livekit.ts';
import { waitFor } from '../e2e/testenv/wait.ts';
import { GatewayClient } from './src/tools/cross-department/gateway-client.ts';
import { TokenSource } from './src/tools/cross-department/token-source.ts';

let livekit: RunningLivekit;
let providers: ProviderStandIns;
let bed: GatewayTestbed;
let gateway: { url: string; close(): void };
let agent: AgentProcess;
let hr: string;
let sales: string;
let accounting: string;
let env: Record<string, string>;

const CEREBRAS_KEY = 'cerebras-test-key';

beforeAll(async () => {
  [livekit, providers, bed] = await Promise.all([
    startLivekit(),
    startProviderStandIns(),
    startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['hr', 'sales', 'acct'],
    }),
    ensureAgentBuild(),
  ]);
  [hr, sales, accounting] = bed.departments as [string, string, string];
  await bed.seedDocuments(sales, [{ id: 'doc-1', name: 'Acme contract', text: 'Signed contract with Acme for 2026' }]);
  await bed.grant(`${hr}-reads-${sales}`, { source: hr, target: sales, queryTypes: ['search_documents'] });
  const server = serve({ fetch: bed.app().fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  gateway = { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };

  const db = (await readSecretData(bed.kube, { namespace: namespaceFor(hr), name: 'database' })) as Record<
    string,
    string
  >;
  env = {
    DEPARTMENT_ID: hr,
    DEPARTMENT_NAME: 'Human Resources',
    LIVEKIT_URL: livekit.url,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    DB_HOST: db.host as string,
    DB_PORT: db.port as string,
    DB_NAME: db.database as string,
    DB_SCHEMA: db.schema as string,
    DB_USER: db.user as string,
    DB_PASSWORD: db.password as string,
    GATEWAY_URL: gateway.url,
    GATEWAY_TOKEN: await bed.token(hr),
    LLM_PROVIDER: 'cerebras',
    LLM_MODEL: 'llama-3.3-70b',
    LLM_TEMPERATURE: '0.4',
    CEREBRAS_API_KEY: CEREBRAS_KEY,
    DEEPGRAM_API_KEY: 'deepgram-test-key',
    CARTESIA_API_KEY: 'cartesia-test-key',
    ...providers.env,
  };
  agent = await startAgentProcess(env, { name: `agent-${hr}` });
}, 600_000);

afterAll(async () => {
  await agent?.stop();
  gateway?.close();
  await Promise.all([livekit?.stop(), providers?.stop()]);
  await bed?.stop();
});

async function rows(department: string, table: 'tool_calls' | 'session_context') {
  const { rows } = await bed.db.pool.query(`SELECT * FROM ${tenantSchemaFor(department)}.${table} ORDER BY created_at`);
  return rows as Record<string, unknown>[];
}

describe('the department agent', () => {
  it('registers with LiveKit and reports each dependency and its settings on /ready', async () => {
    const { status, body } = await agent.ready();
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(Object.fromEntries(Object.entries(body.checks).map(([k, v]) => [k, v.ok]))).toEqual({
      database: true,
      gateway: true,
      livekit: true,
    });
    expect(body.checks.livekit.message).toContain(`aio-${hr}`);
    expect(body.settings).toMatchObject({
      department: hr,
      agentName: `aio-${hr}`,
      llm: { provider: 'cerebras', model: 'llama-3.3-70b', temperature: 0.4 },
      stt: { provider: 'deepgram', model: 'nova-3' },
      tts: { provider: 'cartesia', model: 'sonic-3' },
      tools: ['search_documents', 'search_emails', 'get_contact'],
    });
  });

  it('serves Node process and runtime metrics on /metrics', async () => {
    const response = await fetch(`${agent.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
  });

  it('runs a scripted turn: the LLM calls search_documents, the gateway answers under the grant, the call is recorded', async () => {
    const room = await roomWithAgent(livekit, `aio-${hr}`);
    try {
      const reply = await room.say(`call search_documents {"department":"${sales}","query":"Acme contract"}`);
      expect(reply).toContain('search_documents answered');
      expect(reply).toContain('doc-1');
    } finally {
      await room.close();
    }
    const calls = await rows(hr, 'tool_calls');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      department_id: hr,
      function_name: 'search_documents',
      parameters: { department: sales, query: 'Acme contract' },
      status: 'COMPLETED',
    });
    expect(JSON.stringify(calls[0]?.result)).toContain('doc-1');
    const sessions = await rows(hr, 'session_context');
    expect(sessions.map((s) => [s.context_type, s.context_key])).toContainEqual(['session', 'started']);
    expect(sessions[0]?.session_id).toBe(calls[0]?.session_id);

    // What the LLM was sent: the Cerebras key, the spec's model and temperature, and each tool's zod schema.
    const [first, second] = providers.log.of('openai-chat').slice(-2);
    expect(first?.apiKey).toBe(CEREBRAS_KEY);
    expect(first?.body).toMatchObject({ model: 'llama-3.3-70b', temperature: 0.4 });
    const tools = (first?.body.tools ?? []) as { function: { name: string; parameters: Record<string, unknown> } }[];
    const search = tools.find((t) => t.function.name === 'search_documents');
    expect(search?.function.parameters).toMatchObject({
      type: 'object',
      properties: { department: { type: 'string' }, query: { type: 'string' }, limit: { type: 'integer' } },
      required: ['department', 'query'],
    });
    expect(JSON.stringify(second?.body.messages)).toContain('doc-1');
  });

  it('relays a refusal without a grant and writes nothing to the other department', async () => {
    const before = (await rows(hr, 'tool_calls')).length;
    const room = await roomWithAgent(livekit, `aio-${hr}`);
    try {
      const reply = await room.say(`call search_documents {"department":"${accounting}","query":"budget"}`);
      expect(reply).toContain(`The ${accounting} department has not granted ${hr} access to search documents`);
    } finally {
      await room.close();
    }
    const calls = (await rows(hr, 'tool_calls')).slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ function_name: 'search_documents', status: 'FAILED' });
    expect(calls[0]?.error_message).toMatch(/^403 /);
    expect(calls[0]?.voice_response).toContain('has not granted');
    expect(await rows(accounting, 'tool_calls')).toEqual([]);
    expect(await rows(accounting, 'session_context')).toEqual([]);
    const audit = await bed.db.pool.query(
      'SELECT decision FROM federation.cross_dept_audit WHERE source_department_id = $1 AND target_department_id = $2',
      [hr, accounting],
    );
    expect(audit.rows.map((r) => r.decision)).toEqual(['deny']);
  });

  it('hears a caller: Deepgram (stand-in) transcribes, the tool runs, Cartesia (stand-in) speaks the answer', async () => {
    const room = await roomWithAgent(livekit, `aio-${hr}`);
    try {
      providers.utterances.push(`call search_documents {"department":"${sales}","query":"Acme"}`);
      const reply = await room.speak(600);
      expect(reply).toContain('search_documents answered');
      expect(reply).toContain('doc-1');
    } finally {
      await room.close();
    }
    const listen = providers.log.of('deepgram').at(-1);
    expect(listen).toMatchObject({ apiKey: 'deepgram-test-key', body: { model: 'nova-3', encoding: 'linear16' } });
    const spoken = providers.log
      .of('cartesia')
      .filter((r) => typeof r.body.transcript === 'string' && r.body.transcript.trim());
    expect(spoken.at(-1)).toMatchObject({ apiKey: 'cartesia-test-key', body: { model_id: 'sonic-3' } });
    expect(spoken.map((r) => r.body.transcript).join('')).toContain('search_documents answered');
  });

  it('serves the Google LLM and OpenAI speech when the spec selects them', async () => {
    const alt = await startAgentProcess(
      {
        ...env,
        AGENT_NAME: `alt-${hr}`,
        LLM_PROVIDER: 'google',
        LLM_MODEL: 'gemini-2.5-flash',
        GOOGLE_API_KEY: 'google-test-key',
        TTS_PROVIDER: 'openai',
        TTS_VOICE: 'nova',
        OPENAI_API_KEY: 'openai-test-key',
      },
      { name: `alt-${hr}` },
    );
    const room = await roomWithAgent(livekit, `alt-${hr}`);
    try {
      const reply = await room.say(`call search_documents {"department":"${sales}","query":"Acme"}`);
      expect(reply).toContain('search_documents answered');
    } finally {
      await room.close();
      await alt.stop();
    }
    const [ask] = providers.log.of('gemini').filter((r) => r.path.endsWith(':streamGenerateContent'));
    expect(ask).toMatchObject({ apiKey: 'google-test-key', body: { model: 'gemini-2.5-flash' } });
    expect(JSON.stringify(ask?.body.tools)).toContain('search_documents');
    expect(providers.log.of('openai-speech').at(-1)).toMatchObject({
      apiKey: 'openai-test-key',
      body: { model: 'gpt-4o-mini-tts', voice: 'nova', response_format: 'pcm' },
    });
  });

  it("surfaces the gateway's rate limit (429) as an answer the LLM can relay", async () => {
    const limited = serve({ fetch: bed.app({ limitFor: async () => 1 }).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => limited.once('listening', r));
    try {
      const client = new GatewayClient({
        url: `http://127.0.0.1:${(limited.address() as { port: number }).port}`,
        department: accounting,
        token: new TokenSource({ token: await bed.token(accounting) }),
      });
      // accounting has made no query yet: the first one is counted (and refused for want of a grant).
      const query = { target: sales, queryType: 'search_documents' as const, query: 'Acme', sessionId: 'rate' };
      const signal = new AbortController().signal;
      expect(await client.query(query, signal)).toMatchObject({
        status: 'FAILED',
        error: expect.stringMatching(/^403 /),
      });
      const refused = await client.query(query, signal);
      expect(refused).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^429 /) });
      expect(refused.status === 'FAILED' && refused.say).toMatch(
        /^Too many cross-department requests right now; try again in \d+ seconds\.$/,
      );
    } finally {
      limited.close();
    }
  });

  it.each([
    [{ LLM_PROVIDER: 'anthropic' }, 'spec.llm.provider anthropic is not served by this agent image'],
    [{ STT_PROVIDER: 'azure' }, 'spec.stt.provider azure is not served by this agent image'],
    [
      { TTS_PROVIDER: 'openai', TTS_VOICE: 'sonic-3', OPENAI_API_KEY: 'k' },
      'spec.tts.voice sonic-3 is not an OpenAI voice',
    ],
    [{ ENABLED_TOOLS: '["email","teleport"]' }, 'ENABLED_TOOLS names teleport, which this agent image has no tool for'],
    [{ CEREBRAS_API_KEY: '' }, 'spec.llm.provider cerebras needs CEREBRAS_API_KEY'],
  ])('refuses to start with %j and says why', (override, message) => {
    const run = spawnSync(process.execPath, [AGENT_MAIN], {
      env: { PATH: process.env.PATH, ...env, PORT: '0', ...override },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain(env.DB_PASSWORD as string);
  });

  it('drains an active session on SIGTERM, then exits within the bound', async () => {
    const draining = await startAgentProcess(
      { ...env, AGENT_NAME: `drain-${hr}`, AGENT_DRAIN_TIMEOUT_MS: '3000' },
      { name: `drain-${hr}` },
    );
    const room = await roomWithAgent(livekit, `drain-${hr}`);
    try {
      const started = Date.now();
      process.kill(draining.process.pid, 'SIGTERM');
      await waitFor(async () => (await draining.ready()).body.status === 'draining', {
        timeoutMs: 5_000,
        describe: () => 'the agent did not report draining',
      });
      await draining.process.exitPromise;
      const waited = Date.now() - started;
      // It waited for the session (still active: the caller is in the room), then ended it at the bound.
      expect(waited).toBeGreaterThanOrEqual(3_000);
      expect(draining.output()).toContain('drain timed out');
    } finally {
      await room.close();
      await draining.stop();
    }
  });
});
