// `npm run bench:scale`: the local platform with every component (real Postgres, n8n, Pulumi engine, LiveKit
// agents; the local Railway server made as slow as the real one), measured in a burst, in steady state and on drift.
// The controller and the gateway run from a production tree (`npm run build`, deploy/images/Dockerfile's stages),
// as a release runs them. One Department alone is measured first, then each burst.
//   BENCH_SIZES=10,20,100     departments applied at once, one burst after another (they add up)
//   BENCH_LATENCY_MS=150      per Railway call (0 for none)
//   BENCH_RESYNC=2m           the controller's RESYNC_PERIOD for the run (figures are scaled to the default 10m)
//   BENCH_RESYNCS=3           steady-state periods measured (0: no steady state and no drift measurement)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { tenantSchemaFor } from '../../crds/names.ts';
import { launchPlatform, waitForExamplesActive } from '../support/launch-platform.ts';
import { metricValue } from '../testenv/controller.ts';
import { kubectl, kubectlOk } from '../testenv/kubectl.ts';
import { installProductionTree } from '../testenv/production-tree.ts';
import { cpuSince, type Sample, sampleProcesses } from './scale-processes.ts';

const SIZES = (process.env.BENCH_SIZES ?? '10,20,100').split(',').map(Number);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 150);
const RESYNC = process.env.BENCH_RESYNC ?? '2m';
const RESYNC_MS = Number(RESYNC.slice(0, -1)) * (RESYNC.endsWith('m') ? 60_000 : 1000);
const RESYNCS = Number(process.env.BENCH_RESYNCS ?? 3);
const CONDITIONS = [
  'DatabaseReady',
  'GatewayTokenReady',
  'OAuthReady',
  'WorkflowsReady',
  'RuntimeReady',
  'AgentHealthy',
  'Ready',
];
/** The performance goals (README, "Performance"): 100 Departments all Ready within this long, and 20 at once within this many times one. */
const GOAL_100_MS = 300_000;
const GOAL_20_RATIO = 3;
const ENGINE_RUN_KINDS = ['create', 'update', 'repair', 'check'];

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
const secs = (ms: number) => (ms / 1000).toFixed(1);
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

interface Dept {
  metadata: { name: string; creationTimestamp: string };
  status?: { conditions?: { type: string; status: string; lastTransitionTime: string }[] };
}

function manifests(names: string[]): string {
  return names
    .map((name) =>
      JSON.stringify({
        apiVersion: 'federation.synrg.io/v1alpha1',
        kind: 'Department',
        metadata: { name, labels: { 'bench.federation.synrg.io/scale': 'true' } },
        spec: {
          displayName: `Scale ${name}`,
          adminEmail: `admin@${name}.example.com`,
          // Tools without Google: an email tool would need an OAuth client per Department (WorkflowsReady says so).
          enabledTools: ['database', 'agent_context'],
          // The local Railway server answers this image's health checks itself (e2e/railway/stub-container.ts):
          // a voice agent process per Department does not fit on one machine at these sizes.
          runtime: { image: 'registry.example/federation-stub-agent:1' },
        },
      }),
    )
    .join('\n');
}

async function departments(kubeconfig: string, names: Set<string>): Promise<Dept[]> {
  const out = await kubectlOk(kubeconfig, ['get', 'dept', '-l', 'bench.federation.synrg.io/scale=true', '-o', 'json']);
  return (JSON.parse(out).items as Dept[]).filter((d) => names.has(d.metadata.name));
}

const readyAt = (d: Dept, type = 'Ready') => {
  const c = d.status?.conditions?.find((x) => x.type === type && x.status === 'True');
  return c ? Date.parse(c.lastTransitionTime) : undefined;
};

interface Burst {
  n: number;
  wall: number;
  /** Seconds from each Department's creation to each condition turning True: p50 and p99 over the burst. */
  conditions: Record<string, { p50: number; p99: number }>;
  /** CPU seconds each process group spent during the burst, per Department of it. */
  cpuPerDepartment: Sample['cpuSeconds'];
  /** Engine runs that ended during the burst, by kind (create, update, check, repair). */
  engineRuns: Record<string, number>;
  /** Department reconciles, n8n requests and Railway calls per Department of the burst: counts noise does not move. */
  perDepartment: { reconciles: number; n8n: number; railway: number };
}

async function burst(env: Record<string, string>, kubeconfig: string, names: string[]): Promise<Burst> {
  const sample = () => sampleProcesses(env.FEDERATION_RUN_DIR as string, env.FEDERATION_DATA_DIR as string);
  const countsBefore = await counters(env);
  const before = sample();
  const started = Date.now();
  await kubectlOk(kubeconfig, ['apply', '-f', '-'], manifests(names));
  const wanted = new Set(names);
  let ready: Dept[] = [];
  for (;;) {
    ready = (await departments(kubeconfig, wanted)).filter((d) => readyAt(d) !== undefined);
    if (ready.length === names.length) break;
    if (Date.now() - started > 60 * 60_000) throw new Error(`only ${ready.length} of ${names.length} Ready after 1 h`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const wall = Date.now() - started;
  // The engine runs a burst starts end with its last Department's runtime; the processes have exited by then.
  const used = cpuSince(before, sample());
  const countsAfter = await counters(env);
  const conditions = Object.fromEntries(
    CONDITIONS.map((type) => {
      const times = ready.map((d) => (readyAt(d, type) ?? readyAt(d) ?? 0) - Date.parse(d.metadata.creationTimestamp));
      return [type, { p50: pct(times, 0.5), p99: pct(times, 0.99) }];
    }),
  );
  const per = (k: keyof Sample['cpuSeconds']) => used[k] / names.length;
  return {
    n: names.length,
    wall,
    conditions,
    cpuPerDepartment: {
      controller: per('controller'),
      engines: per('engines'),
      postgres: per('postgres'),
      n8n: per('n8n'),
    },
    engineRuns: Object.fromEntries(
      ENGINE_RUN_KINDS.map((k) => [k, (countsAfter.engineRuns[k] ?? 0) - (countsBefore.engineRuns[k] ?? 0)]),
    ),
    perDepartment: {
      reconciles: (countsAfter.reconciles - countsBefore.reconciles) / names.length,
      n8n: (countsAfter.n8n - countsBefore.n8n) / names.length,
      railway: (countsAfter.railway - countsBefore.railway) / names.length,
    },
  };
}

async function counters(env: Record<string, string>) {
  const metrics = await (await fetch(env.CONTROLLER_METRICS_URL as string)).text();
  const stats = await fetch(new URL('/_stats', env.RAILWAY_API_URL));
  const railway = ((await stats.json()) as { operations: Record<string, number> }).operations;
  return {
    // Lease renewals (every RETRY_PERIOD while leading) are leader election's heartbeat, not reconcile writes.
    writes:
      metricValue(metrics, 'federation_api_writes_total') -
      metricValue(metrics, 'federation_api_writes_total', { resource: 'leases' }),
    leases: metricValue(metrics, 'federation_api_writes_total', { resource: 'leases' }),
    n8n: metricValue(metrics, 'federation_external_requests_total', { service: 'n8n' }),
    railway: Object.values(railway).reduce((a, b) => a + b, 0),
    reconciles: metricValue(metrics, 'controller_runtime_reconcile_total', { controller: 'department' }),
    engineRuns: Object.fromEntries(
      ENGINE_RUN_KINDS.map((kind) => [kind, metricValue(metrics, 'federation_engine_runs_total', { kind })]),
    ),
  };
}

async function steady(env: Record<string, string>, departmentCount: number) {
  const before = await counters(env);
  const samples: Sample[] = [];
  const started = Date.now();
  while (Date.now() - started < RESYNCS * RESYNC_MS) {
    samples.push(sampleProcesses(env.FEDERATION_RUN_DIR as string, env.FEDERATION_DATA_DIR as string));
    await new Promise((r) => setTimeout(r, 5000));
  }
  samples.push(sampleProcesses(env.FEDERATION_RUN_DIR as string, env.FEDERATION_DATA_DIR as string));
  const after = await counters(env);
  const elapsed = (Date.now() - started) / 1000;
  const first = samples[0] as Sample;
  const last = samples.at(-1) as Sample;
  const cpu = (k: keyof Sample['cpuSeconds']) => (last.cpuSeconds[k] - first.cpuSeconds[k]) / elapsed;
  const peak = (k: keyof Sample['rssMiB']) => Math.max(...samples.map((s) => s.rssMiB[k]));
  // At the default 10-minute resync the same work is spread over 10m / RESYNC: CPU scales down by that factor.
  const scale = RESYNC_MS / 600_000;
  return {
    elapsed,
    cores: { controller: cpu('controller'), engines: cpu('engines'), postgres: cpu('postgres'), n8n: cpu('n8n') },
    coresAtDefault: {
      controller: cpu('controller') * scale,
      engines: cpu('engines') * scale,
      postgres: cpu('postgres') * scale,
      n8n: cpu('n8n') * scale,
    },
    rss: { controller: peak('controller'), engines: peak('engines'), postgres: peak('postgres'), n8n: peak('n8n') },
    writesPerResync: (after.writes - before.writes) / RESYNCS,
    leaseWritesPerResync: (after.leases - before.leases) / RESYNCS,
    railwayPerDeptResync: (after.railway - before.railway) / departmentCount / RESYNCS,
    n8nPerDeptResync: (after.n8n - before.n8n) / departmentCount / RESYNCS,
  };
}

/** Time from a change made behind the controller's back to the Event that reports it. */
async function eventAfter(kubeconfig: string, department: string, reasons: string[], since: number): Promise<number> {
  for (;;) {
    const { stdout } = await kubectl(kubeconfig, [
      'get',
      'events.events.k8s.io',
      '-A',
      '--field-selector',
      `regarding.name=${department}`,
      '-o',
      'jsonpath={range .items[*]}{.reason}|{.eventTime}|{.series.lastObservedTime}{"\\n"}{end}',
    ]);
    const hit = stdout
      .split('\n')
      .map((l) => l.split('|'))
      .find(([reason, at, last]) => reasons.includes(reason ?? '') && Date.parse(last || at || '') >= since);
    if (hit) return Date.parse(hit[2] || hit[1] || '') - since;
    if (Date.now() - since > 3 * RESYNC_MS + 10 * 60_000) return Number.NaN;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function drift(env: Record<string, string>, kubeconfig: string, department: string) {
  const results: Record<string, number> = {};
  // A tenant policy dropped behind our back.
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const schema = tenantSchemaFor(department);
  const { rows } = await db.query<{ policyname: string; tablename: string }>(
    'SELECT policyname, tablename FROM pg_policies WHERE schemaname = $1 LIMIT 1',
    [schema],
  );
  let t0 = Date.now();
  const p = rows[0];
  if (p)
    await db.query(
      `DROP POLICY ${pg.escapeIdentifier(p.policyname)} ON ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(p.tablename)}`,
    );
  await db.end();
  results['tenant policy'] = await eventAfter(kubeconfig, department, ['DriftRepaired', 'UnrepairableDrift'], t0);
  // A Railway service variable changed behind our back.
  const d = JSON.parse(await kubectlOk(kubeconfig, ['get', 'dept', department, '-o', 'json']));
  const secret = JSON.parse(
    await kubectlOk(kubeconfig, ['get', 'secret', 'runtime-platform', '-n', 'federation-system', '-o', 'json']),
  );
  const token = Buffer.from(secret.data.RAILWAY_TOKEN, 'base64').toString();
  const gql = async (query: string, variables: Record<string, unknown>) =>
    (await fetch(env.RAILWAY_API_URL as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }).then((r) => r.json())) as { data: Record<string, unknown> };
  const project = await gql('query P($id: String!) { project(id: $id) { environments { edges { node { id } } } } }', {
    id: d.status.projectId,
  });
  const environmentId = (project.data.project as { environments: { edges: { node: { id: string } }[] } }).environments
    .edges[0]?.node.id;
  t0 = Date.now();
  await gql('mutation V($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }', {
    input: {
      projectId: d.status.projectId,
      environmentId,
      serviceId: d.status.serviceId,
      variables: { ENABLED_TOOLS: '["changed-behind-our-back"]' },
    },
  });
  results['Railway variable'] = await eventAfter(kubeconfig, department, ['DriftRemediated', 'DriftDetected'], t0);
  // An n8n workflow deactivated behind our back.
  const n8nSecret = JSON.parse(
    await kubectlOk(kubeconfig, ['get', 'secret', 'federation-n8n', '-n', 'federation-system', '-o', 'json']),
  );
  const apiKey = Buffer.from(n8nSecret.data.apiKey, 'base64').toString();
  const workflowId = Object.values(d.status.workflowIds ?? {})[0];
  t0 = Date.now();
  if (workflowId) {
    await fetch(`${env.N8N_URL}/api/v1/workflows/${workflowId}/deactivate`, {
      method: 'POST',
      headers: { 'X-N8N-API-KEY': apiKey },
    });
  }
  results['n8n workflow'] = await eventAfter(kubeconfig, department, ['WorkflowDriftRepaired'], t0);
  return results;
}

function printBurst(label: string, r: Burst): void {
  const cells = CONDITIONS.map(
    (type) => `${secs(r.conditions[type]?.p50 ?? 0)} / ${secs(r.conditions[type]?.p99 ?? 0)}`,
  );
  const cpu = r.cpuPerDepartment;
  console.log(
    `| ${label} | ${secs(r.wall)} | ${cells.join(' | ')} | ${cpu.controller.toFixed(2)} | ${cpu.engines.toFixed(2)} | ` +
      `${cpu.postgres.toFixed(2)} | ${cpu.n8n.toFixed(2)} | ${Object.entries(r.engineRuns)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')} | ${r.perDepartment.reconciles.toFixed(1)} | ` +
      `${r.perDepartment.n8n.toFixed(1)} | ${r.perDepartment.railway.toFixed(1)} |`,
  );
}

// A release's tree: compiled JavaScript on plain Node for the controller, the gateway and the engine's plugin.
const tree = await installProductionTree();
const stateDir = mkdtempSync(join(tmpdir(), 'fed-bench-scale-'));
const platform = await launchPlatform({
  stateDir,
  args: ['--fresh', '--production-tree', tree.base],
  env: { FEDERATION_RAILWAY_LATENCY_MS: String(LATENCY), RESYNC_PERIOD: RESYNC, LOG_LEVEL: 'warn' },
  timeoutMs: 900_000,
}).catch((error: unknown) => {
  rmSync(stateDir, { recursive: true, force: true });
  tree.remove();
  throw error;
});
console.log(
  `production tree: build ${tree.report.buildSeconds.toFixed(0)} s, install ${tree.report.installSeconds.toFixed(0)} s`,
);
try {
  // The platform's example Departments are provisioned first: the bursts are measured beside nothing else.
  await waitForExamplesActive(platform, 600_000);
  console.log(
    `bench:scale: Railway latency ${LATENCY} ms per call, RESYNC_PERIOD ${RESYNC}, controller from a production tree ` +
      `(${tree.targets.controller.args.join(' ')})`,
  );
  console.log(
    `\n| burst | all Ready (s) | ${CONDITIONS.map((c) => `${c} p50 / p99 (s)`).join(' | ')} | ` +
      'CPU s per department: controller | engines | postgres | n8n | engine runs | per department: reconciles | ' +
      'n8n requests | Railway calls |',
  );
  console.log(`| --- | --- | ${CONDITIONS.map(() => '---').join(' | ')} |${' --- |'.repeat(8)}`);
  const alone = await burst(platform.env, platform.kubeconfig, ['scale-alone']);
  printBurst('1 alone', alone);
  const bursts: Burst[] = [];
  let total = 1;
  for (const [i, n] of SIZES.entries()) {
    const names = Array.from({ length: n }, (_, k) => `scale-${i}-${k}`);
    const r = await burst(platform.env, platform.kubeconfig, names);
    bursts.push(r);
    printBurst(`${n} at once (${total} before)`, r);
    total += n;
  }
  console.log('\ngoals (issue #30):');
  const hundred = bursts.find((b) => b.n === 100);
  const twenty = bursts.find((b) => b.n === 20);
  console.log(
    hundred
      ? `| 100 Departments all Ready | ${secs(hundred.wall)} s | goal < ${secs(GOAL_100_MS)} s | ${met(hundred.wall < GOAL_100_MS)} |`
      : '| 100 Departments all Ready | not measured (BENCH_SIZES has no 100) |',
  );
  console.log(
    twenty
      ? `| 20 at once vs 1 alone | ${(twenty.wall / alone.wall).toFixed(2)}x (${secs(twenty.wall)} s / ${secs(alone.wall)} s) | goal <= ${GOAL_20_RATIO}x | ${met(twenty.wall <= GOAL_20_RATIO * alone.wall)} |`
      : '| 20 at once vs 1 alone | not measured (BENCH_SIZES has no 20) |',
  );
  if (RESYNCS > 0) {
    const s = await steady(platform.env, total);
    console.log(
      `\nsteady state, ${total} Ready departments, ${RESYNCS} resyncs of ${RESYNC} (${s.elapsed.toFixed(0)} s):`,
    );
    console.log('| process | cores (measured) | cores at RESYNC_PERIOD=10m | peak RSS MiB |');
    console.log('| --- | --- | --- | --- |');
    for (const k of ['controller', 'engines', 'postgres', 'n8n'] as const) {
      console.log(`| ${k} | ${s.cores[k].toFixed(3)} | ${s.coresAtDefault[k].toFixed(3)} | ${s.rss[k].toFixed(0)} |`);
    }
    console.log(
      `API-server writes per resync: ${s.writesPerResync.toFixed(1)} (lease renewals apart: ${s.leaseWritesPerResync.toFixed(1)}); per department per resync: Railway calls ${s.railwayPerDeptResync.toFixed(2)}, n8n calls ${s.n8nPerDeptResync.toFixed(2)}`,
    );
    const d = await drift(platform.env, platform.kubeconfig, 'scale-alone');
    console.log(`\ndrift at ${total} departments (s from the change to the Event that reports it):`);
    for (const [what, ms] of Object.entries(d))
      console.log(`| ${what} | ${Number.isNaN(ms) ? 'not found' : secs(ms)} |`);
  }
} finally {
  platform.child.kill('SIGINT');
  await platform.exited;
  rmSync(stateDir, { recursive: true, force: true });
  tree.remove();
}
