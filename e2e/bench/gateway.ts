/**
 * Gateway benchmark: `npm run bench:gateway`. Prints numbers; fails only when a request fails or is not audited.
 *
 * Seeds three departments with 10,000 documents each (every department may search the other two), then loads
 * POST /api/v1/cross-dept/query (search_documents) on the real gateway over HTTP, with autocannon: JWT
 * verification, rate limit (raised for the run), then one statement with the grant check, search and audit
 * (federation.cross_dept_search). In the same run it drives that statement straight from pg (executeCrossDeptQuery;
 * no HTTP, token or rate limit) with as many concurrent loops as HTTP connections and the same pool size, and
 * prints req/s, p50/p99 and gateway / direct. The gateway also runs with the audit table's hash-chain trigger switched off
 * (`unchained`), and the bench prints with / without the chain. A PostgREST-shaped server (`postgrest`: the JWT,
 * then the RLS read alone; gateway-baseline.ts) shows what the rate limit, the grant check and the audit cost.
 * The four cases take turns for BENCH_ROUNDS rounds; a ratio is the median of its rounds' ratios. Each performance
 * goal (README, "Performance") is printed as `goal ...: value (goal ...: met)`.
 *
 *   npm run bench:gateway                 (starts its own API server and Postgres)
 *   KUBECONFIG=... DATABASE_URL=... npm run bench:gateway
 *   BENCH_LOADGEN=inline                  (autocannon on the gateway's event loop instead of a worker thread)
 *   BENCH_SECONDS=4 BENCH_ROUNDS=5 BENCH_DOCUMENTS=10000 BENCH_CONNECTIONS=10,50   (seconds per case and round)
 *   BENCH_POOL=4                          (each case's Postgres pool; twice the cores by default)
 *
 * As cross_dept_query_role the tenant tables' RLS policies apply; the search uses the GIN index only because
 * federation migration 0004 marks `@@` LEAKPROOF (a Seq Scan here means it could not). The bench prints the plan.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import pg from 'pg';
import { PLATFORM_ISSUER } from '../../controller/platform/tokens/constants.ts';
import type { SearchRequest } from '../../crds/cross-department-query.ts';
import { enterQueryRole, executeCrossDeptQuery } from '../../gateway/query/execute.ts';
import { PERMISSION, querySql } from '../../gateway/query/sql.ts';
import { ident, tenantNames } from '../../reconcilers/database/names.ts';
import type { GatewayTestbed } from '../support/gateway.ts';

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
/**
 * Connections of each case's pool to Postgres: twice this machine's cores, where the database runs too (see
 * DATABASE_POOL_MAX in gateway/settings.ts; more only make the searches take turns on the cores).
 */
const POOL = Number(process.env.BENCH_POOL ?? 2 * availableParallelism());
/** Each case runs this many times, the cases taking turns (see the loop in main). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const WARMUP_SECONDS = 2;
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '10,50').split(',').map(Number);
const LOADGEN = process.env.BENCH_LOADGEN === 'inline' ? 'inline' : 'worker';
const CLOCK_TICKS = 100;

/** What an agent asks another department's documents (websearch syntax: AND by default, `or`, `-word`). */
const QUERIES = [
  'vacation policy',
  'budget approval',
  'onboarding checklist',
  'quarterly revenue forecast',
  'contract renewal',
  'invoice',
  'security incident report',
  'travel expenses -international',
  'hiring or recruitment',
  'customer complaint',
  'payroll schedule',
  'vendor agreement',
];
/** Words every document is made of: stop words, then invented words for a Zipf long tail. */
const COMMON = 'the of and to a in is that for it as with was on be by this are from at or an we will our'.split(' ');
/** Each document is about two of these; a few of its words (and most of its title) come from them. */
const TOPICS = [
  'vacation policy leave holiday absence approval',
  'budget approval forecast quarterly spending department',
  'onboarding checklist training orientation equipment laptop',
  'revenue pipeline quota forecast territory quarterly',
  'contract renewal clause amendment termination liability',
  'invoice payment receipt overdue billing refund',
  'security incident report breach escalation outage',
  'travel expenses reimbursement mileage international flight',
  'hiring recruitment candidate interview offer headcount',
  'customer complaint ticket satisfaction escalation refund',
  'payroll schedule overtime salary deduction bonus',
  'vendor agreement procurement supplier purchase order',
  'compliance audit risk control evidence finding',
  'office relocation facility lease parking maintenance',
  'product launch campaign brand partner announcement',
  'benefits insurance pension enrollment dependent coverage',
].map((t) => t.split(' '));
const TOPIC_WORDS = 6;

/** 20,000 words drawn with P(rank k) ~ 1/k (Zipf): stop words first, invented words for the long tail. */
function vocabulary(size = 20_000): string[] {
  const syllables = 'ba ce di fo gu ka le mi no pu ra se ti vo zu tan ker lin mor pex qua rin sol tev wyn'.split(' ');
  const n = syllables.length;
  return Array.from(
    { length: size },
    (_, i) =>
      COMMON[i] ?? `${syllables[i % n]}${syllables[Math.floor(i / n) % n]}${syllables[Math.floor(i / n / n) % n]}`,
  );
}

/** A word of document g: with probability `share` from one of its two topics, otherwise from the Zipf vocabulary. */
const word = (share: number) => `CASE WHEN random() < ${share}
  THEN p.topics[(CASE WHEN random() < 0.5 THEN g % p.n ELSE (g * 7 + 3) % p.n END) * ${TOPIC_WORDS} + ceil(random() * ${TOPIC_WORDS})::int]
  ELSE p.words[ceil(power(cardinality(p.words), random()))::int] END`;

/** One INSERT ... SELECT per department: titles of 3-7 words, bodies of 80-479 words. */
async function seedDocuments(t: GatewayTestbed): Promise<void> {
  const params = [vocabulary(), TOPICS.flat(), TOPICS.length, DOCUMENTS];
  await Promise.all(
    t.departments.map(async (department, i) => {
      const table = `${ident(tenantNames(department).schema)}.drive_document_repository`;
      const client = await t.db.pool.connect();
      try {
        await client.query('SELECT setseed($1)', [(i + 1) / 10]);
        await client.query(
          `INSERT INTO ${table} (drive_file_id, drive_folder_id, file_name, mime_type, web_view_link,
                                 drive_modified_time, extracted_text, text_length, extraction_method, extraction_status)
           SELECT 'bench-' || g, 'folder-' || g % 40, initcap(title.text), 'application/pdf',
                  'https://drive.google.com/file/d/bench-' || g || '/view', now() - g * interval '17 minutes',
                  body.text, length(body.text), 'pdf-text', 'completed'
             FROM (SELECT $1::text[] AS words, $2::text[] AS topics, $3::int AS n) p, generate_series(1, $4::int) g,
                  LATERAL (SELECT string_agg(w, ' ') AS text
                             FROM (SELECT ${word(0.6)} AS w FROM generate_series(1, 3 + g % 5)) x) title,
                  LATERAL (SELECT string_agg(w, ' ') AS text
                             FROM (SELECT ${word(0.01)} AS w FROM generate_series(1, 80 + g * 7919 % 400)) x) body`,
          params,
        );
      } finally {
        client.release();
      }
      await t.db.pool.query(`VACUUM ANALYZE ${table}`);
    }),
  );
}

/** The scans the planner picks for the search as the gateway's role, where RLS applies. */
async function searchPlan(t: GatewayTestbed, call: Call): Promise<string> {
  const client = await t.gatewayPool.connect();
  try {
    await client.query('BEGIN');
    await enterQueryRole(client, call.source, PERMISSION[call.request.query_type]);
    // The generic plan, as federation.cross_dept_search runs its prepared statement.
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (GENERIC_PLAN) ${querySql(call.request.target_department_id, call.request.query_type)}`,
    );
    return rows
      .map((r) =>
        r['QUERY PLAN']
          .trim()
          .replace(/^->\s*/, '')
          .replace(/\s+\(cost.*$/, ''),
      )
      .filter((line) => line.includes(' on '))
      .join(', ');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** One request of the sequence every connection (and every direct loop) cycles through. */
interface Call {
  source: string;
  token: string;
  request: SearchRequest;
}

function calls(departments: string[], tokens: Map<string, string>): Call[] {
  return departments.flatMap((source) =>
    departments
      .filter((target) => target !== source)
      .flatMap((target) =>
        QUERIES.map((query, i) => ({
          source,
          token: tokens.get(source) as string,
          request: {
            target_department_id: target,
            query_type: 'search_documents' as const,
            query_params: { query, limit: 10 },
            requester_context: { session_id: `bench-${i}`, user_email: `agent@${source}.example.com` },
          },
        })),
      ),
  );
}

interface Measured {
  requests: number;
  seconds: number;
  /** Milliseconds of each successful request. */
  latencies: number[];
  failures: number;
  detail: string;
  /** CPU seconds of the load generator's own thread, when it has one (a worker thread). */
  loadgenCpuSeconds?: number;
}

interface LoadJob {
  url: string;
  connections: number;
  seconds: number;
  requests: autocannon.Request[];
}

/** Runs autocannon on this thread; latencies come from its response events (sub-millisecond, 2xx only). */
async function fire(job: LoadJob): Promise<Measured> {
  const latencies: number[] = [];
  const cpu0 = threadCpuSeconds();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: job.url, connections: job.connections, duration: job.seconds, requests: job.requests },
      (err: Error | null, r) => (err ? reject(err) : resolve(r)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  const failures = result.errors + result.timeouts + result.non2xx + result.mismatches;
  const codes = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => `${code}: ${s.count}`);
  return {
    requests: result['2xx'],
    seconds: result.duration,
    latencies,
    failures,
    detail: `errors ${result.errors}, timeouts ${result.timeouts}, status ${codes.join(', ')}`,
    loadgenCpuSeconds: isMainThread ? undefined : threadCpuSeconds() - cpu0,
  };
}

/** The fields of a /proc stat file's text after the command name: [0] state, [1] ppid, [11] utime, [12] stime. */
function statFields(stat: string): number[] {
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
}

/** CPU seconds (user + system) from a /proc stat file's fields. */
const cpuSeconds = (f: number[]) => ((f[11] ?? 0) + (f[12] ?? 0)) / CLOCK_TICKS;

/** CPU seconds of the calling thread (/proc/thread-self: the worker's own, not the whole process's). */
const threadCpuSeconds = () => cpuSeconds(statFields(readFileSync('/proc/thread-self/stat', 'utf8')));

/** A worker thread running `fire` (this file again, through tsx), so the load generator has its own event loop. */
function loadWorker(): { run(job: LoadJob): Promise<Measured>; stop(): Promise<number> } {
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true });
  let failed: ((err: Error) => void) | undefined;
  worker.on('error', (err) => failed?.(err));
  worker.on('exit', (code) => failed?.(new Error(`load generator worker exited with ${code}`)));
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        failed = reject;
        worker.once('message', resolve);
        worker.postMessage(job);
      }),
    stop: () => worker.terminate(),
  };
}

/** The gateway's transaction for an allowed search (executeCrossDeptQuery: check, search, audit), straight from pg. */
async function directQuery(pool: pg.Pool, call: Call): Promise<number> {
  const { request, source } = call;
  const verdict = await executeCrossDeptQuery(pool, {
    source,
    access: 'grant',
    request,
    startedAt: performance.now(),
    audit: {
      id: randomUUID(),
      source,
      requester: { subject: `system:department:${source}:agent`, issuer: PLATFORM_ISSUER, role: 'agent' },
      target: request.target_department_id,
      queryType: request.query_type,
      params: request.query_params,
      sessionId: request.requester_context?.session_id ?? null,
      userEmail: request.requester_context?.user_email ?? null,
      outcome: 'allowed',
      errorMessage: null,
    },
  });
  if (verdict.kind !== 'allowed') throw new Error(`direct ${request.query_params.query}: ${verdict.kind}`);
  return verdict.results.length;
}

/** `connections` loops, each cycling through `sequence` like one autocannon connection, for `seconds`. */
async function drive(pool: pg.Pool, sequence: Call[], connections: number, seconds: number): Promise<Measured> {
  const latencies: number[] = [];
  let failures = 0;
  let firstError = '';
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = 0; performance.now() < deadline; i = (i + 1) % sequence.length) {
        const t0 = performance.now();
        try {
          if ((await directQuery(pool, sequence[i] as Call)) > 0) latencies.push(performance.now() - t0);
          else failures++;
        } catch (err) {
          failures++;
          firstError ||= (err as Error).message;
        }
      }
    }),
  );
  return {
    requests: latencies.length,
    seconds: (performance.now() - started) / 1000,
    latencies,
    failures,
    detail: firstError || 'empty result',
  };
}

/**
 * CPU seconds of each process of the local Postgres listening on `port` (the postmaster and its live children),
 * by pid. Undefined when that server is not on this machine.
 */
function postgresCpu(port: string): Map<string, number> | undefined {
  const stats = new Map<string, { ppid: string; cpu: number }>();
  let postmaster: string | undefined;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = statFields(stat);
      stats.set(pid, { ppid: String(f[1]), cpu: cpuSeconds(f) });
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args[args.indexOf('-p') + 1] === port) postmaster = pid;
    } catch {
      // the process exited while we listed /proc
    }
  }
  if (!postmaster) return undefined;
  const cpu = new Map<string, number>();
  for (const [pid, s] of stats) if (pid === postmaster || s.ppid === postmaster) cpu.set(pid, s.cpu);
  return cpu;
}

/**
 * CPU seconds the server's processes used between two readings: per process alive at the second, what it used
 * since the first (all of it when it started since). A process that ended in between is left out; the
 * postmaster's reaped-children counter is not used, because a connection that ends inside the window (an idle
 * pool client of the seeding, say) would bring all the CPU of its life into it.
 */
function postgresCpuBetween(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/** The bench's cases, in the order of the report. */
const CASES = ['gateway', 'unchained', 'postgrest', 'direct'] as const;

interface Row {
  name: (typeof CASES)[number];
  connections: number;
  round: number;
  measured: Measured;
  nodeCpuUs: number;
  /** The load generator's CPU per request (a worker thread of this process), when it can be told apart. */
  loadgenCpuUs: number | undefined;
  pgCpuUs: number | undefined;
  audited: number;
}

const percentile = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
const rate = (m: Measured) => m.requests / m.seconds;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  // Imported here so the load generator's worker thread, which runs this file too, stays small.
  const [{ startPlatform }, { startTestbed }, { serveGateway }, { createLogger }, { servePostgrestShaped }] =
    await Promise.all([
      import('../testenv/platform.ts'),
      import('../support/gateway.ts'),
      import('../../gateway/server.ts'),
      import('../../controller/platform/logging/log.ts'),
      import('./gateway-baseline.ts'),
    ]);
  const platform =
    process.env.KUBECONFIG && process.env.DATABASE_URL ? undefined : await startPlatform({ installCrds: true });
  const t = await startTestbed({
    kubeconfig: process.env.KUBECONFIG ?? (platform?.kubeconfig as string),
    databaseUrl: process.env.DATABASE_URL ?? (platform?.databaseUrl as string),
    prefixes: ['hr', 'sales', 'legal'],
  });
  const problems: string[] = [];
  let stopping = false;
  // An idle client can fail (e.g. when the database is dropped at the end while pool.end() is still closing it).
  const poolError = (pool: string) => (err: Error) => {
    if (!stopping) problems.push(`${pool} pool: ${err.message}`);
  };
  t.db.pool.on('error', poolError('admin'));
  const worker = LOADGEN === 'worker' ? loadWorker() : undefined;
  const load = (job: LoadJob) => worker?.run(job) ?? fire(job);
  try {
    const started = performance.now();
    await seedDocuments(t);
    // The seed wrote some 150 MB; without a checkpoint now, writing it out would fall into the first measured case.
    await t.db.pool.query('CHECKPOINT');
    console.log(
      `seeded ${t.departments.length} x ${DOCUMENTS} documents in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const source of t.departments) {
      for (const target of t.departments) {
        if (source !== target) await t.grant(`bench-${source}-${target}`, { source, target });
      }
    }
    const tokens = new Map<string, string>();
    for (const d of t.departments) tokens.set(d, await t.token(d, 'agent', { lifetimeSeconds: 3600 }));
    const sequence = calls(t.departments, tokens);
    const matches: number[] = [];
    for (const c of sequence.slice(0, QUERIES.length * 2)) {
      const table = `${ident(tenantNames(c.request.target_department_id).schema)}.drive_document_repository`;
      const { rows } = await t.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE search_vector @@ websearch_to_tsquery('english', $1)`,
        [c.request.query_params.query],
      );
      matches.push(rows[0]?.n ?? 0);
    }
    matches.sort((a, b) => a - b);
    console.log(
      `documents matching a query (of ${DOCUMENTS}): min ${matches[0]}, median ${percentile(matches, 0.5)}, max ${matches.at(-1)}; 10 returned`,
    );
    console.log(`search plan as the gateway role: ${await searchPlan(t, sequence[0] as Call)}`);
    const requests: autocannon.Request[] = sequence.map((c) => ({
      method: 'POST',
      path: '/api/v1/cross-dept/query',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(c.request),
    }));
    const pgPort = new URL(t.gatewayUrl).port || '5432';
    const auditRows = async () =>
      (await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM federation.cross_dept_audit')).rows[0]?.n ??
      0;
    /** Warm-up, then the measured run; node and Postgres CPU per request over the measured run only. */
    async function measure(run: (seconds: number) => Promise<Measured>) {
      const warm = await run(WARMUP_SECONDS);
      if (warm.failures) problems.push(`warm-up: ${warm.failures} failed (${warm.detail})`);
      await sleep(200); // requests in flight when the load generator stopped still finish and write audit rows
      const cpu = process.cpuUsage();
      const pg0 = postgresCpu(pgPort);
      const measured = await run(SECONDS);
      const { user, system } = process.cpuUsage(cpu);
      const pg1 = postgresCpu(pgPort);
      await sleep(200);
      const pgCpuUs =
        pg0 === undefined || pg1 === undefined ? undefined : (postgresCpuBetween(pg0, pg1) * 1e6) / measured.requests;
      // The load generator's thread is in this process: its CPU is taken out of the gateway's (node us/req).
      const loadgenUs = measured.loadgenCpuSeconds === undefined ? 0 : measured.loadgenCpuSeconds * 1e6;
      return {
        warm,
        measured,
        nodeCpuUs: (user + system - loadgenUs) / measured.requests,
        loadgenCpuUs: measured.loadgenCpuSeconds === undefined ? undefined : loadgenUs / measured.requests,
        pgCpuUs,
      };
    }

    /** The gateway as the bench serves it: every department's rate limit raised out of the way, a pool of POOL. */
    const benchGateway = () =>
      serveGateway({
        databaseUrl: t.gatewayUrl,
        kubeConfig: t.kc,
        rateLimitPerMinute: 1_000_000_000,
        poolMax: POOL,
        log: createLogger({ component: 'federation-gateway', level: 'warn' }),
      });

    // One unmeasured run first: the first case otherwise also pays for filling Postgres's buffers and for
    // optimising the code every case shares (measured: about 20 % fewer req/s for whichever case ran first).
    {
      const gateway = await benchGateway();
      try {
        const warm = await load({ url: gateway.url, connections: CONNECTIONS[0] as number, seconds: 5, requests });
        if (warm.failures) problems.push(`first warm-up: ${warm.failures} failed (${warm.detail})`);
      } finally {
        await gateway.stop();
      }
    }

    /** The gateway as shipped, or with the audit table's hash-chain trigger switched off. */
    async function gatewayCase(name: 'gateway' | 'unchained', connections: number, round: number): Promise<Row> {
      const chain = name === 'gateway' ? 'ENABLE' : 'DISABLE';
      await t.db.pool.query(`ALTER TABLE federation.cross_dept_audit ${chain} TRIGGER audit_chain`);
      const gateway = await benchGateway();
      try {
        if (round === 0) {
          for (const c of sequence) {
            const res = await fetch(`${gateway.url}/api/v1/cross-dept/query`, {
              method: 'POST',
              headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
              body: JSON.stringify(c.request),
            });
            const body = (await res.json()) as { results_count?: number };
            if (res.status !== 200 || !body.results_count) {
              throw new Error(`sample ${c.request.query_params.query}: HTTP ${res.status} ${JSON.stringify(body)}`);
            }
          }
        }
        const before = await auditRows();
        const job = (seconds: number) => load({ url: gateway.url, connections, seconds, requests });
        const r = await measure(job);
        const audited = (await auditRows()) - before;
        const answered = r.warm.requests + r.measured.requests;
        // A request cut off when the load generator stops is still answered and audited by the gateway.
        if (audited < answered || audited > answered + 2 * connections) {
          problems.push(`${name} x${connections}: ${audited} audit rows for ${answered} answered requests`);
        }
        return { name, connections, round, ...r, audited };
      } finally {
        await gateway.stop();
        await t.db.pool.query('ALTER TABLE federation.cross_dept_audit ENABLE TRIGGER audit_chain');
      }
    }

    /** PostgREST's shape on the same HTTP stack: JWT, then the RLS read alone (no rate limit, grant check, audit). */
    async function postgrestCase(connections: number, round: number): Promise<Row> {
      const baseline = await servePostgrestShaped({
        databaseUrl: t.gatewayUrl,
        poolMax: POOL,
        log: createLogger({ component: 'postgrest-shaped', level: 'warn' }),
      });
      try {
        const before = await auditRows();
        const r = await measure((seconds) => load({ url: baseline.url, connections, seconds, requests }));
        return { name: 'postgrest', connections, round, ...r, audited: (await auditRows()) - before };
      } finally {
        await baseline.stop();
      }
    }

    /** The gateway's statement straight from pg, as many loops as connections and the same pool size. */
    async function directCase(connections: number, round: number): Promise<Row> {
      const pool = new pg.Pool({ connectionString: t.gatewayUrl, max: POOL });
      pool.on('error', poolError('direct'));
      try {
        const before = await auditRows();
        const r = await measure((seconds) => drive(pool, sequence, connections, seconds));
        const audited = (await auditRows()) - before;
        if (audited !== r.warm.requests + r.measured.requests) {
          problems.push(`direct x${connections}: ${audited} audit rows for ${r.warm.requests + r.measured.requests}`);
        }
        return { name: 'direct', connections, round, ...r, audited };
      } finally {
        await pool.end();
      }
    }

    // The cases take turns, ROUNDS times, each round starting one case later: the ratios compare cases run
    // seconds apart, in every order, rather than one case early in the run and another a minute later (this
    // shared machine's speed drifts by more than the differences measured).
    const rows: Row[] = [];
    for (const connections of CONNECTIONS) {
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < CASES.length; i++) {
          const name = CASES[(i + round) % CASES.length] as Row['name'];
          if (name === 'postgrest') rows.push(await postgrestCase(connections, round));
          else if (name === 'direct') rows.push(await directCase(connections, round));
          else rows.push(await gatewayCase(name, connections, round));
        }
      }
    }

    for (const row of rows) {
      if (row.measured.failures) {
        problems.push(`${row.name} x${row.connections}: ${row.measured.failures} failed (${row.measured.detail})`);
      }
    }
    report(rows);
  } finally {
    stopping = true;
    await worker?.stop();
    await t.stop();
    await platform?.stop();
  }
  if (problems.length) {
    console.error(`\nFAILED:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

/** One case's rounds as one row: requests, seconds, latencies and audit rows summed; CPU per request over all. */
function merged(rounds: Row[]): Row {
  const [first] = rounds as [Row];
  const requests = rounds.reduce((a, r) => a + r.measured.requests, 0);
  const perRequest = (cpu: (r: Row) => number | undefined) =>
    rounds.some((r) => cpu(r) === undefined)
      ? undefined
      : rounds.reduce((a, r) => a + (cpu(r) as number) * r.measured.requests, 0) / Math.max(1, requests);
  return {
    ...first,
    measured: {
      requests,
      seconds: rounds.reduce((a, r) => a + r.measured.seconds, 0),
      latencies: rounds.flatMap((r) => r.measured.latencies),
      failures: rounds.reduce((a, r) => a + r.measured.failures, 0),
      detail: rounds.map((r) => r.measured.detail).join('; '),
    },
    nodeCpuUs: perRequest((r) => r.nodeCpuUs) as number,
    loadgenCpuUs: perRequest((r) => r.loadgenCpuUs),
    pgCpuUs: perRequest((r) => r.pgCpuUs),
    audited: rounds.reduce((a, r) => a + r.audited, 0),
  };
}

function report(all: Row[]): void {
  const cols = [
    'case',
    'conns',
    'pool',
    'req/s',
    'p50 ms',
    'p99 ms',
    'failed',
    'audit rows',
    'node us/req',
    'pg us/req',
    'loadgen us/req',
  ];
  const widths = [9, 6, 5, 8, 7, 7, 7, 11, 12, 10, 15];
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] as number)).join(' ');
  const rows: Row[] = [];
  for (const connections of CONNECTIONS) {
    for (const name of CASES) {
      const rounds = all.filter((r) => r.name === name && r.connections === connections);
      if (rounds.length) rows.push(merged(rounds));
    }
  }
  console.log(
    `\n== search_documents, ${ROUNDS} round(s) of ${SECONDS} s per case, each after a ${WARMUP_SECONDS} s warm-up, the cases taking turns; load generator: autocannon ${
      LOADGEN === 'worker' ? 'in a worker thread' : 'on the gateway thread'
    } of this process (${
      LOADGEN === 'worker' ? 'its CPU apart, in loadgen us/req' : "its CPU is in the gateway's node us/req"
    }); audit rows: warm-ups + runs`,
  );
  console.log(line(cols));
  for (const r of rows) {
    const sorted = [...r.measured.latencies].sort((a, b) => a - b);
    console.log(
      line([
        r.name,
        String(r.connections),
        String(POOL),
        rate(r.measured).toFixed(0),
        percentile(sorted, 0.5).toFixed(2),
        percentile(sorted, 0.99).toFixed(2),
        String(r.measured.failures),
        String(r.audited),
        r.nodeCpuUs.toFixed(0),
        r.pgCpuUs === undefined ? 'n/a' : r.pgCpuUs.toFixed(0),
        r.loadgenCpuUs === undefined ? (r.name === 'direct' ? '-' : 'n/a') : r.loadgenCpuUs.toFixed(0),
      ]),
    );
  }
  console.log('');
  const find = (name: Row['name'], connections: number) =>
    rows.find((r) => r.name === name && r.connections === connections);
  /** The ratio of two cases' req/s in each round, and their median. */
  const ratio = (a: Row['name'], b: Row['name'], connections: number) => {
    const each: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const x = all.find((r) => r.name === a && r.connections === connections && r.round === round);
      const y = all.find((r) => r.name === b && r.connections === connections && r.round === round);
      if (x && y) each.push(rate(x.measured) / rate(y.measured));
    }
    const sorted = [...each].sort((p, q) => p - q);
    const median =
      sorted.length % 2
        ? (sorted[(sorted.length - 1) / 2] as number)
        : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
    const shown = `${median.toFixed(2)}${each.length > 1 ? ` (median of ${each.length} rounds: ${each.map((e) => e.toFixed(2)).join(', ')})` : ''}`;
    return { median, shown };
  };
  const p99Of = (r: Row) =>
    percentile(
      [...r.measured.latencies].sort((a, b) => a - b),
      0.99,
    );
  const cpuMs = (r: Row) => (r.nodeCpuUs + (r.pgCpuUs ?? 0)) / 1000;
  // The goals (README, "Performance") are set at 10 connections; at other counts the figures carry no verdict.
  const goalAt = (connections: number) => (what: string, value: string, aim: string, met: boolean) =>
    console.log(
      connections === 10
        ? `goal ${what}: ${value} (goal ${aim}: ${met ? 'met' : 'NOT MET'})`
        : `  ${what}: ${value} (the goal of ${aim} is at 10 connections)`,
    );
  for (const connections of CONNECTIONS) {
    const gateway = find('gateway', connections);
    if (!gateway) continue;
    console.log(`-- ${connections} connections`);
    const goal = goalAt(connections);
    if (connections === 10) {
      goal('gateway req/s', rate(gateway.measured).toFixed(0), '>= 1000', rate(gateway.measured) >= 1000);
      goal('gateway p99', `${p99Of(gateway).toFixed(1)} ms`, '< 25 ms', p99Of(gateway) < 25);
    }
    if (find('direct', connections)) {
      const r = ratio('gateway', 'direct', connections);
      goal('gateway / direct req/s', r.shown, '>= 0.85', r.median >= 0.85);
    }
    if (find('unchained', connections)) {
      const r = ratio('gateway', 'unchained', connections);
      goal('chained / unchained req/s', r.shown, '>= 0.95', r.median >= 0.95);
    }
    if (find('postgrest', connections)) {
      const r = ratio('gateway', 'postgrest', connections);
      console.log(`  gateway / PostgREST-shaped req/s: ${r.shown} (what rate limit, grant check and audit cost)`);
    }
    // On a busy machine throughput follows CPU per request; these figures move little with other work.
    const cpu = CASES.map((name) => find(name, connections))
      .filter((r): r is Row => r !== undefined && r.pgCpuUs !== undefined)
      .map((r) => `${r.name} ${cpuMs(r).toFixed(2)}`);
    if (cpu.length) console.log(`  CPU ms per request (node + postgres): ${cpu.join(', ')}`);
  }
  console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

if (isMainThread) {
  main().catch((error: Error) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  parentPort?.on('message', async (job: LoadJob) => parentPort?.postMessage(await fire(job)));
}
