import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiPaths } from '../crds/api-paths.ts';
import { adminClient, departmentManifest } from '../e2e/testenv/admin-client.ts';
import { metricValue, TEST_LABEL } from '../e2e/testenv/controller.ts';
import { REPO_ROOT } from '../e2e/testenv/platform.ts';
import { freePort } from '../e2e/testenv/ports.ts';
import { controllerKubeconfig } from '../e2e/testenv/service-account.ts';
import { waitFor } from '../e2e/testenv/wait.ts';
import type { DepartmentObject } from '../reconcilers/component.ts';
import type { RestClient } from './platform/kube/rest-client.ts';

const kubeconfig = inject('kubeconfig');
let admin: RestClient;
let saKubeconfig: string;
const running: ChildProcess[] = [];

/** `controller/main.ts` as its own process with the namespace component only; resolves once /readyz answers. */
async function startController(shard: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'controller/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      KUBECONFIG: saKubeconfig,
      WATCH_LABEL_SELECTOR: `${TEST_LABEL}=${shard}`,
      LEASE_NAME: `metrics-${shard}`,
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      DISABLED_COMPONENTS: 'database,gateway-token,oauth,workflows,runtime',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (d: Buffer) => {
      output += d.toString();
    });
  }
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
    timeoutMs: 30_000,
    describe: () => `the controller never became ready:\n${output}`,
  });
  return { scrape: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text() };
}

async function allActive(shard: string, count: number): Promise<boolean> {
  const list = await admin.get<{ items: DepartmentObject[] }>(apiPaths.departments, {
    labelSelector: `${TEST_LABEL}=${shard}`,
  });
  return list.items.filter((d) => d.status?.phase === 'Active').length === count;
}

/** The names that have at least one sample in Prometheus text. */
function sampled(text: string): Set<string> {
  return new Set(
    text.split('\n').flatMap((line) => (line && !line.startsWith('#') ? [/^[a-z_:]+/.exec(line)?.[0] ?? ''] : [])),
  );
}

/** The names the scrape declares (`# TYPE`), with or without samples yet. */
function declared(text: string): Set<string> {
  return new Set(text.split('\n').flatMap((line) => /^# TYPE ([a-z_:]+) /.exec(line)?.[1] ?? []));
}

describe('controller process metrics', () => {
  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    saKubeconfig = await controllerKubeconfig(
      kubeconfig,
      join(mkdtempSync(join(tmpdir(), 'fed-metrics-')), 'kubeconfig'),
    );
  });
  afterEach(() => {
    for (const c of running.splice(0)) c.kill('SIGKILL');
  });
  afterAll(() => admin.close());

  it("does serve Node's process metrics and controller-runtime's set under its names after a reconcile", async () => {
    const shard = randomBytes(4).toString('hex');
    const controller = await startController(shard);
    await admin.create(apiPaths.departments, departmentManifest(`met-${shard}`, { [TEST_LABEL]: shard }), 'test');
    await waitFor(() => allActive(shard, 1), {
      timeoutMs: 30_000,
      describe: () => 'the Department never became Active',
    });

    const text = await controller.scrape();
    const names = sampled(text);
    const expected = [
      // Node's process and runtime metrics
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'process_open_fds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      // controller-runtime
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_terminal_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds_bucket',
      'controller_runtime_active_workers',
      'controller_runtime_max_concurrent_reconciles',
      // client-go's work queue
      'workqueue_depth',
      'workqueue_adds_total',
      'workqueue_queue_duration_seconds_bucket',
      'workqueue_work_duration_seconds_bucket',
      'workqueue_unfinished_work_seconds',
      'workqueue_longest_running_processor_seconds',
      // client-go's REST client
      'rest_client_requests_total',
      'rest_client_rate_limiter_duration_seconds_bucket',
      'leader_election_master_status',
    ];
    expect(expected.filter((name) => !names.has(name))).toEqual([]);

    // Federation's own, which the dashboard's engine, agent, audit and token panels and their alerts query.
    // Labelled series appear with their first engine run, probe or stored token (none in this namespace-only
    // controller); the audit gauges have their one series from the start.
    const declaredNames = declared(text);
    const federation = [
      'federation_engine_runs_total',
      'federation_engine_run_duration_seconds',
      'federation_agents',
      'federation_oauth_token_expiry_timestamp_seconds',
      'federation_gateway_token_expiry_timestamp_seconds',
      'federation_audit_broken_links',
      'federation_audit_verify_last_success_timestamp_seconds',
    ];
    expect(federation.filter((name) => !declaredNames.has(name))).toEqual([]);
    expect(names.has('federation_audit_broken_links')).toBe(true);
    expect(names.has('federation_audit_verify_last_success_timestamp_seconds')).toBe(true);
  });

  it('does hold its API requests to KUBE_API_QPS after the burst, and records the waits', async () => {
    const shard = randomBytes(4).toString('hex');
    const qps = 10;
    const burst = 5;
    const started = Date.now();
    const controller = await startController(shard, { KUBE_API_QPS: String(qps), KUBE_API_BURST: String(burst) });
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        admin.create(apiPaths.departments, departmentManifest(`qps-${shard}-${i}`, { [TEST_LABEL]: shard }), 'test'),
      ),
    );
    await waitFor(() => allActive(shard, 4), {
      timeoutMs: 60_000,
      describe: () => 'not all Departments became Active',
    });
    const text = await controller.scrape();
    const elapsed = (Date.now() - started) / 1000;

    const requests = metricValue(text, 'rest_client_requests_total');
    const waits = metricValue(text, 'rest_client_rate_limiter_duration_seconds_count');
    // Every request went through the limiter (a request in flight at the scrape was counted as a wait already).
    expect(waits).toBeGreaterThanOrEqual(requests);
    // A token bucket admits at most the burst plus qps per second since it was made.
    expect(requests).toBeLessThanOrEqual(burst + qps * elapsed);
    // Four Departments take more requests than the burst: some waited.
    expect(requests).toBeGreaterThan(burst);
    expect(metricValue(text, 'rest_client_rate_limiter_duration_seconds_sum')).toBeGreaterThan(0);
  });
});
