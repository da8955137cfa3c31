/**
 * Agent benchmark: `npm run bench:agent`. Prints numbers; fails only when a run fails.
 *
 * 1. Cold start to registered: the built agent (as the image runs it) started BENCH_STARTS times against the real
 *    livekit-server: ms from spawn to /health answering, and to /ready reporting database, gateway and LiveKit
 *    registration ok.
 * 2. Tool-call round trip through the gateway: one department's agent searches another department's seeded
 *    documents under a grant (search_documents), BENCH_CALLS times, through a real room: the caller's text turn,
 *    the stand-in LLM asking for the tool, the agent's tool module recording the call in tool_calls and querying the
 *    gateway, and the reply. Measured beside it, from this process, the gateway's own latency for the same query
 *    with the same token. Printed: the gateway alone, the tool call inside the agent (tool_calls created_at to
 *    completed_at: record, gateway, record), and the whole turn; medians, p99 and ratios to the gateway.
 *
 *   npm run bench:agent                      (starts its own API server and Postgres, livekit-server, stand-ins)
 *   BENCH_STARTS=5 BENCH_CALLS=40 BENCH_DOCUMENTS=500
 */
import { serve } from '@hono/node-server';
import { readSecretData } from '../../controller/platform/kube/secrets.ts';
import { namespaceFor, tenantSchemaFor } from '../../crds/names.ts';
import { startProviderStandIns } from '../providers/server.ts';
import { ensureAgentBuild } from '../railway/agent-build.ts';
import { type AgentProcess, startAgentProcess } from '../support/agent.ts';
import { startTestbed } from '../support/gateway.ts';
import { CROSS_DEPT_QUERY } from '../support/gateway-requests.ts';
import { roomWithAgent } from '../support/livekit-room.ts';
import { startLivekit } from '../testenv/livekit.ts';
import { startPlatform } from '../testenv/platform.ts';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 40);
const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 500);
const WARMUP = 3;

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};
const row = (label: string, values: number[], base?: number[]) => {
  const p50 = percentile(values, 0.5);
  const p99 = percentile(values, 0.99);
  const ratio = base
    ? `  x${(p50 / percentile(base, 0.5)).toFixed(1)} / x${(p99 / percentile(base, 0.99)).toFixed(1)}`
    : '';
  return `${label.padEnd(50)} n=${String(values.length).padStart(3)}  median ${p50.toFixed(1).padStart(8)} ms  p99 ${p99.toFixed(1).padStart(8)} ms${ratio}`;
};

const platform =
  process.env.KUBECONFIG && process.env.DATABASE_URL ? undefined : await startPlatform({ installCrds: true });
const [bed, livekit, providers] = await Promise.all([
  startTestbed({
    kubeconfig: process.env.KUBECONFIG ?? (platform?.kubeconfig as string),
    databaseUrl: process.env.DATABASE_URL ?? (platform?.databaseUrl as string),
    prefixes: ['hr', 'sales'],
  }),
  startLivekit(),
  startProviderStandIns(),
  ensureAgentBuild((l) => console.log(l)),
]);
const agents: AgentProcess[] = [];
try {
  const [hr, sales] = bed.departments as [string, string];
  const docs = Array.from({ length: DOCUMENTS }, (_, i) => ({
    id: `doc-${i}`,
    name: `Contract ${i}`,
    text: `${i % 10 === 0 ? 'signed contract renewal' : 'invoice'} number ${i} for customer ${i % 37}`,
  }));
  await bed.seedDocuments(sales, docs);
  await bed.grant(`bench-${hr}-${sales}`, { source: hr, target: sales, queryTypes: ['search_documents'] });
  const server = serve({ fetch: bed.app().fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const gatewayUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const token = await bed.token(hr, 'agent', { lifetimeSeconds: 3600 });
  const db = (await readSecretData(bed.kube, { namespace: namespaceFor(hr), name: 'database' })) as Record<
    string,
    string
  >;
  const env = {
    DEPARTMENT_ID: hr,
    LIVEKIT_URL: livekit.url,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    DB_HOST: db.host as string,
    DB_PORT: db.port as string,
    DB_NAME: db.database as string,
    DB_SCHEMA: db.schema as string,
    DB_USER: db.user as string,
    DB_PASSWORD: db.password as string,
    GATEWAY_URL: gatewayUrl,
    GATEWAY_TOKEN: token,
    CEREBRAS_API_KEY: 'bench',
    DEEPGRAM_API_KEY: 'bench',
    CARTESIA_API_KEY: 'bench',
    // As the image runs it: one job process kept warm.
    AGENT_IDLE_PROCESSES: '1',
    ...providers.env,
  };

  console.log(`cold start: ${STARTS} starts of the built agent (AGENT_IDLE_PROCESSES=1, as in the image)`);
  const toHealth: number[] = [];
  const toRegistered: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const started = performance.now();
    const agent = await startAgentProcess({ ...env, AGENT_NAME: `bench-start-${i}` }, { waitReady: false });
    let health: number | undefined;
    for (;;) {
      const now = performance.now() - started;
      if (
        health === undefined &&
        (await fetch(`${agent.url}/health`).then(
          (r) => r.ok,
          () => false,
        ))
      )
        health = now;
      if (
        health !== undefined &&
        (await agent.ready().then(
          (r) => r.status === 200,
          () => false,
        ))
      ) {
        toRegistered.push(performance.now() - started);
        break;
      }
      if (now > 120_000) throw new Error(`agent did not register within 120 s:\n${agent.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    toHealth.push(health as number);
    await agent.stop();
  }

  const agent = await startAgentProcess(env, { name: 'bench-agent' });
  agents.push(agent);
  const body = JSON.stringify({
    target_department_id: sales,
    query_type: 'search_documents',
    query_params: { query: 'contract renewal', limit: 10 },
  });
  const direct = async () => {
    const started = performance.now();
    const response = await fetch(`${gatewayUrl}${CROSS_DEPT_QUERY}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    if (response.status !== 200) throw new Error(`gateway answered ${response.status}`);
    await response.json();
    return performance.now() - started;
  };
  const room = await roomWithAgent(livekit, `aio-${hr}`);
  const directMs: number[] = [];
  const turnMs: number[] = [];
  const utterance = `call search_documents {"department":"${sales}","query":"contract renewal","limit":10}`;
  try {
    for (let i = 0; i < WARMUP + CALLS; i++) {
      // Alternate, so both see the same load on this shared machine.
      const d = await direct();
      const started = performance.now();
      const reply = await room.say(utterance, 60_000);
      const t = performance.now() - started;
      if (!reply.includes('"results_count":10')) throw new Error(`unexpected reply: ${reply.slice(0, 200)}`);
      if (i >= WARMUP) {
        directMs.push(d);
        turnMs.push(t);
      }
    }
  } finally {
    await room.close();
  }
  const { rows } = await bed.db.pool.query<{ ms: number; exec: number; status: string }>(
    `SELECT extract(epoch FROM completed_at - created_at) * 1000 AS ms, execution_time_ms AS exec, status
       FROM ${tenantSchemaFor(hr)}.tool_calls ORDER BY created_at`,
  );
  const measured = rows.slice(WARMUP);
  if (measured.length !== CALLS || measured.some((r) => r.status !== 'COMPLETED')) {
    throw new Error(`expected ${CALLS} completed tool calls, found ${JSON.stringify(measured.map((r) => r.status))}`);
  }
  console.log('');
  console.log(row('cold start: spawn -> /health', toHealth));
  console.log(row('cold start: spawn -> registered (/ready 200)', toRegistered));
  console.log('');
  console.log(`search_documents on ${DOCUMENTS} documents of another department, under a grant (ratio: median / p99)`);
  console.log(row('gateway alone (HTTP from this process)', directMs));
  console.log(
    row(
      'tool call in the agent (recorded, via gateway)',
      measured.map((r) => Number(r.ms)),
      directMs,
    ),
  );
  console.log(
    row(
      '  of which the gateway request',
      measured.map((r) => Number(r.exec)),
      directMs,
    ),
  );
  console.log(row('whole turn (text -> LLM -> tool -> LLM -> reply)', turnMs, directMs));
  server.close();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  for (const a of agents) await a.stop();
  await Promise.all([livekit.stop(), providers.stop()]);
  await bed.stop();
  await platform?.stop();
}
process.exit();
