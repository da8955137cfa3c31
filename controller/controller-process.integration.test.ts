import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiPaths } from '../crds/api-paths.ts';
import { createTestDatabase } from '../e2e/support/database.ts';
import { adminClient, departmentManifest } from '../e2e/testenv/admin-client.ts';
import { metricValue, TEST_LABEL } from '../e2e/testenv/controller.ts';
import { REPO_ROOT } from '../e2e/testenv/platform.ts';
import { freePort } from '../e2e/testenv/ports.ts';
import { controllerKubeconfig } from '../e2e/testenv/service-account.ts';
import { waitFor } from '../e2e/testenv/wait.ts';
import type { DepartmentObject } from '../reconcilers/component.ts';
import type { RestClient } from './platform/kube/rest-client.ts';
import { paths } from './runtime/kube-api.ts';

const kubeconfig = inject('kubeconfig');
let admin: RestClient;
let saKubeconfig: string;
const running: ChildProcess[] = [];

interface Proc {
  child: ChildProcess;
  port: number;
  identity: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startController(shard: string, identity: string, env: Record<string, string> = {}): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'controller/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      KUBECONFIG: saKubeconfig,
      WATCH_LABEL_SELECTOR: `${TEST_LABEL}=${shard}`,
      LEASE_NAME: `proc-${shard}`,
      POD_NAME: identity,
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // The namespace component only, unless a test configures more (unset settings would stall every Department).
      DATABASE_URL: '',
      DISABLED_COMPONENTS: 'database,gateway-token,oauth,workflows,runtime',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
    timeoutMs: 30_000,
    describe: () => `controller ${identity} never became ready:\n${output}`,
  });
  return { child, port, identity, output: () => output, exited };
}

async function reconciles(p: Proc): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
  return metricValue(text, 'controller_runtime_reconcile_total', { controller: 'department' });
}

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  leaseTransitions?: number;
}

async function leaseSpec(shard: string): Promise<LeaseSpec> {
  return (await admin.get<{ spec: LeaseSpec }>(paths.lease('federation-system', `proc-${shard}`))).spec;
}

async function holderIdentity(shard: string): Promise<string | null | undefined> {
  return (await leaseSpec(shard)).holderIdentity;
}

/** The POD_NAME of the lease holder (its identity is `<POD_NAME>_<random>`). */
async function holder(shard: string): Promise<string | undefined> {
  return (await holderIdentity(shard))?.replace(/_[0-9a-f]{12}$/, '');
}

async function listShard(shard: string): Promise<DepartmentObject[]> {
  const list = await admin.get<{ items: DepartmentObject[] }>(apiPaths.departments, {
    labelSelector: `${TEST_LABEL}=${shard}`,
  });
  return list.items;
}

describe('controller process', () => {
  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    saKubeconfig = await controllerKubeconfig(kubeconfig, join(mkdtempSync(join(tmpdir(), 'fed-proc-')), 'kubeconfig'));
  });
  afterEach(() => {
    for (const c of running.splice(0)) c.kill('SIGKILL');
  });
  afterAll(() => admin.close());

  it('converges 50 departments after being SIGKILLed mid-way, with nothing duplicated', async () => {
    const shard = randomBytes(4).toString('hex');
    const first = await startController(shard, 'first', { WORKERS: '2' });
    const names = Array.from({ length: 50 }, (_, i) => `kill-${shard}-${i}`);
    await Promise.all(
      names.map((n) => admin.create(apiPaths.departments, departmentManifest(n, { [TEST_LABEL]: shard }), 'test')),
    );
    await waitFor(async () => (await listShard(shard)).some((d) => d.status?.phase === 'Active'), {
      timeoutMs: 30_000,
      intervalMs: 20,
      describe: () => 'no department became Active',
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const activeAtKill = (await listShard(shard)).filter((d) => d.status?.phase === 'Active').length;
    expect(activeAtKill).toBeLessThan(50);

    await startController(shard, 'second', { LEASE_DURATION: '3s', RENEW_DEADLINE: '2s', RETRY_PERIOD: '500ms' });
    await waitFor(async () => (await listShard(shard)).filter((d) => d.status?.phase === 'Active').length === 50, {
      timeoutMs: 90_000,
      intervalMs: 500,
      describe: () => 'not all 50 departments converged',
    });
    for (const d of await listShard(shard)) {
      expect(d.metadata.finalizers).toEqual(['federation.synrg.io/finalizer']);
      const ns = await admin.get<{ metadata: { ownerReferences: { uid: string }[] } }>(
        paths.namespace(`dept-${d.metadata.name}`),
      );
      expect(ns.metadata.ownerReferences.map((o) => o.uid)).toEqual([d.metadata.uid]);
    }
  });

  it('lets exactly one replica reconcile, fails over on SIGKILL once the lease expires, and releases it on SIGTERM', async () => {
    const shard = randomBytes(4).toString('hex');
    const lease = { LEASE_DURATION: '6s', RENEW_DEADLINE: '4s', RETRY_PERIOD: '500ms' };
    const procs = [await startController(shard, 'a', lease), await startController(shard, 'b', lease)];
    await waitFor(async () => ['a', 'b'].includes((await holder(shard)) ?? ''), {
      timeoutMs: 20_000,
      describe: () => 'nobody took the lease',
    });
    const leaderId = await holder(shard);
    const [lead, standby] =
      leaderId === 'a' ? [procs[0] as Proc, procs[1] as Proc] : [procs[1] as Proc, procs[0] as Proc];

    await admin.create(apiPaths.departments, departmentManifest(`le-${shard}-1`, { [TEST_LABEL]: shard }), 'test');
    await waitFor(async () => (await listShard(shard))[0]?.status?.phase === 'Active', {
      timeoutMs: 20_000,
      describe: () => 'leader did not reconcile',
    });
    expect(await reconciles(lead)).toBeGreaterThan(0);
    expect(await reconciles(standby)).toBe(0);

    const held = await leaseSpec(shard);
    const killedAt = Date.now();
    lead.child.kill('SIGKILL');
    await waitFor(async () => (await holder(shard)) === standby.identity, {
      timeoutMs: 20_000,
      describe: () => 'standby did not take over',
    });
    // One hand-over, taken only once the dead leader stopped renewing: never two leaders at a time.
    const takenOver = await leaseSpec(shard);
    expect(takenOver.leaseTransitions).toBe((held.leaseTransitions ?? 0) + 1);
    expect(Date.parse(takenOver.acquireTime ?? '')).toBeGreaterThanOrEqual(killedAt);
    await admin.create(apiPaths.departments, departmentManifest(`le-${shard}-2`, { [TEST_LABEL]: shard }), 'test');
    await waitFor(async () => (await listShard(shard)).every((d) => d.status?.phase === 'Active'), {
      timeoutMs: 20_000,
      describe: () => 'new leader did not reconcile',
    });

    standby.child.kill('SIGTERM');
    expect(await standby.exited).toBe(0);
    expect(standby.output()).toContain('released leader lease');
    // Released, not left to expire: no holder, so the next replica takes it at its first attempt.
    const released = await leaseSpec(shard);
    expect(released.holderIdentity ?? null).toBeNull();
    expect(released.leaseDurationSeconds).toBe(1);
    const third = await startController(shard, 'c', lease);
    await waitFor(async () => (await holder(shard)) === 'c', {
      timeoutMs: 10_000,
      describe: () => 'c did not take over',
    });
    expect(third.identity).toBe('c');
  });

  it('elects one leader among controllers that share a POD_NAME, as every local controller does', async () => {
    const shard = randomBytes(4).toString('hex');
    const lease = { LEASE_DURATION: '6s', RENEW_DEADLINE: '4s', RETRY_PERIOD: '500ms' };
    const procs = [
      await startController(shard, 'local-controller', lease),
      await startController(shard, 'local-controller', lease),
    ];
    await waitFor(async () => (await holder(shard)) === 'local-controller', {
      timeoutMs: 20_000,
      describe: () => 'nobody took the lease',
    });
    const identity = await holderIdentity(shard);
    await admin.create(apiPaths.departments, departmentManifest(`same-${shard}-1`, { [TEST_LABEL]: shard }), 'test');
    await waitFor(async () => (await listShard(shard))[0]?.status?.phase === 'Active', {
      timeoutMs: 20_000,
      describe: () => 'the leader did not reconcile',
    });
    // A few renewals later: still the same holder, and only one process ever reconciled.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await holderIdentity(shard)).toBe(identity);
    const counts = await Promise.all(procs.map(reconciles));
    expect(counts.filter((n) => n > 0)).toHaveLength(1);
    const leaders = procs.filter((p) => p.output().includes('became leader'));
    expect(leaders).toHaveLength(1);
  });

  it('fails with one clear line, not an uncaught EADDRINUSE, when its metrics port is taken', async () => {
    const shard = randomBytes(4).toString('hex');
    const first = await startController(shard, 'first');
    const child = spawn(process.execPath, ['--import', 'tsx', 'controller/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KUBECONFIG: saKubeconfig,
        WATCH_LABEL_SELECTOR: `${TEST_LABEL}=${shard}`,
        LEASE_NAME: `proc-${shard}`,
        METRICS_PORT: String(first.port),
        METRICS_HOST: '127.0.0.1',
        DATABASE_URL: '',
        DISABLED_COMPONENTS: 'database,gateway-token,oauth,workflows,runtime',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(output).toContain(`the metrics port ${first.port} on 127.0.0.1 is already in use (METRICS_PORT)`);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('runs the periodic tasks on the leader only', async () => {
    const shard = randomBytes(4).toString('hex');
    const db = await createTestDatabase(inject('databaseUrl'));
    try {
      const env = { DATABASE_URL: db.url, DISABLED_COMPONENTS: 'workflows,runtime', LEASE_DURATION: '6s' };
      const procs = [await startController(shard, 'a', env), await startController(shard, 'b', env)];
      await waitFor(async () => ['a', 'b'].includes((await holder(shard)) ?? ''), {
        timeoutMs: 20_000,
        describe: () => 'nobody took the lease',
      });
      const leaderId = await holder(shard);
      const [lead, standby] = leaderId === 'a' ? procs : [...procs].reverse();
      const runs = async (p: Proc | undefined, task: string) =>
        metricValue(
          await (await fetch(`http://127.0.0.1:${p?.port}/metrics`)).text(),
          'federation_leader_task_runs_total',
          {
            task,
            result: 'success',
          },
        );
      await waitFor(async () => (await runs(lead, 'gateway-database')) === 1 && (await runs(lead, 'retention')) === 1, {
        timeoutMs: 20_000,
        describe: () => `the leader did not run its tasks:\n${lead?.output()}`,
      });
      expect(await runs(standby, 'gateway-database')).toBe(0);
      expect(await runs(standby, 'retention')).toBe(0);
      // What the gateway-database task maintains: the gateway's login role and its Secret.
      const role = await db.pool.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'federation_gateway'");
      expect(role.rows).toEqual([{ rolcanlogin: true }]);
      const secret = await admin.get<{ data: Record<string, string> }>(
        `${paths.namespacedSecrets('federation-system')}/gateway-database`,
      );
      expect(Object.keys(secret.data).sort()).toEqual(['password', 'url', 'username']);
    } finally {
      await db.drop([]);
    }
  });

  it('stalls Departments with SettingsMissing naming what to set when a component is not configured', async () => {
    const shard = randomBytes(4).toString('hex');
    await startController(shard, 'solo', { DISABLED_COMPONENTS: '' });
    const name = `unset-${shard}`;
    await admin.create(apiPaths.departments, departmentManifest(name, { [TEST_LABEL]: shard }), 'test');
    await waitFor(async () => (await listShard(shard))[0]?.status?.phase === 'Failed', {
      timeoutMs: 20_000,
      describe: () => 'the department did not stall',
    });
    const [d] = await listShard(shard);
    const database = d?.status?.conditions?.find((c) => c.type === 'DatabaseReady');
    expect(database).toMatchObject({ status: 'False', reason: 'SettingsMissing' });
    expect(database?.message).toContain('set DATABASE_URL');
    expect(d?.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True' });
  });
});
