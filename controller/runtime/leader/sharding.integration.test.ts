import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiPaths } from '../../../crds/api-paths.ts';
import { departmentShard } from '../../../crds/names.ts';
import { createTestDatabase, type TestDatabase } from '../../../e2e/support/database.ts';
import { adminClient, departmentManifest } from '../../../e2e/testenv/admin-client.ts';
import { metricValue, TEST_LABEL } from '../../../e2e/testenv/controller.ts';
import { REPO_ROOT } from '../../../e2e/testenv/platform.ts';
import { controllerKubeconfig } from '../../../e2e/testenv/service-account.ts';
import { waitFor } from '../../../e2e/testenv/wait.ts';
import type { DepartmentObject } from '../../../reconcilers/component.ts';
import type { RestClient } from '../../platform/kube/rest-client.ts';
import { paths } from '../kube-api.ts';
import { shardLeaseName } from './shard-leases.ts';

const kubeconfig = inject('kubeconfig');
const LEASE = { LEASE_DURATION: '3s', RENEW_DEADLINE: '2s', RETRY_PERIOD: '500ms' };
const DEPARTMENTS = 50;

interface Replica {
  pod: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
  /** federation_shards_held on its /metrics. */
  shardsHeld: () => Promise<number>;
}

let admin: RestClient;
let saKubeconfig: string;
let db: TestDatabase;
const tag = randomBytes(4).toString('hex');
const leaseName = `shard-${tag}`;
const names = Array.from({ length: DEPARTMENTS }, (_, i) => `shard-${tag}-${i}`);
const replicas: Replica[] = [];

/** A replica as a StatefulSet pod: its home shard is the ordinal at the end of its POD_NAME. */
async function startReplica(pod: string): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'e2e/support/sharded-controller.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      KUBECONFIG: saKubeconfig,
      RECORD_DATABASE_URL: db.url,
      SHARDS: '2',
      POD_NAME: pod,
      LEASE_NAME: leaseName,
      WATCH_LABEL_SELECTOR: `${TEST_LABEL}=${tag}`,
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      WORKERS: '4',
      ...LEASE,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const shardsHeld = async () => {
    const started = output.split('\n').find((line) => line.includes('"sharded controller started"'));
    const { port } = JSON.parse(started ?? '{}') as { port?: number };
    return metricValue(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), 'federation_shards_held');
  };
  const replica = { pod, child, output: () => output, exited: new Promise((r) => child.on('exit', r)), shardsHeld };
  replicas.push(replica);
  await waitFor(async () => output.includes('sharded controller started'), {
    timeoutMs: 30_000,
    describe: () => `replica ${pod} did not start:\n${output}`,
  });
  return replica;
}

/** The POD_NAME of a shard Lease's holder (identities are `<POD_NAME>_<random>`). */
async function holder(shard: number): Promise<string | undefined> {
  const lease = await admin.get<{ spec: { holderIdentity?: string | null } }>(
    paths.lease('federation-system', shardLeaseName(leaseName, shard)),
  );
  return lease.spec.holderIdentity?.replace(/_[0-9a-f]{12}$/, '') ?? undefined;
}

/** Which replicas (by POD_NAME) applied each Department at `generation`. */
async function reconcilersAt(generation: number): Promise<Map<string, Set<string>>> {
  const { rows } = await db.pool.query<{ department: string; identity: string }>(
    'SELECT DISTINCT department, identity FROM shard_reconciles WHERE generation = $1',
    [generation],
  );
  const by = new Map<string, Set<string>>();
  for (const r of rows) {
    const pod = r.identity.replace(/_[0-9a-f]{12}$/, '');
    by.set(r.department, (by.get(r.department) ?? new Set()).add(pod));
  }
  return by;
}

async function duplicateObjects(): Promise<{ department: string; n: number }[]> {
  const { rows } = await db.pool.query<{ department: string; n: number }>(
    'SELECT department, count(*)::int AS n FROM shard_objects GROUP BY department HAVING count(*) > 1',
  );
  return rows;
}

async function objectCount(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM shard_objects');
  return rows[0]?.n ?? 0;
}

async function allReconciledAt(generation: number): Promise<boolean> {
  const by = await reconcilersAt(generation);
  return names.every((n) => by.has(n));
}

/** Changes every Department's spec (a new generation each replica must reconcile). */
async function touchAll(displayName: string): Promise<void> {
  await Promise.all(names.map((n) => admin.mergePatch(apiPaths.department(n), { spec: { displayName } }, 'test')));
}

describe('controller sharding', () => {
  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    saKubeconfig = await controllerKubeconfig(
      kubeconfig,
      join(mkdtempSync(join(tmpdir(), 'fed-shard-')), 'kubeconfig'),
    );
    db = await createTestDatabase(inject('databaseUrl'));
    await db.pool.query(
      'CREATE TABLE shard_reconciles (department text NOT NULL, identity text NOT NULL, generation int NOT NULL)',
    );
    await db.pool.query('CREATE TABLE shard_objects (department text NOT NULL, identity text NOT NULL)');
  });
  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await db?.drop([]);
    admin?.close();
  });

  it('reconciles each Department on exactly one of 2 shards, takes over a killed shard, hands it back, with no duplicate', async () => {
    const a = await startReplica(`fed-${tag}-0`);
    const b = await startReplica(`fed-${tag}-1`);
    await waitFor(async () => (await holder(0)) === a.pod && (await holder(1)) === b.pod, {
      timeoutMs: 20_000,
      describe: () => `each replica did not come to hold its home shard:\n${a.output()}\n${b.output()}`,
    });

    await Promise.all(
      names.map((n) => admin.create(apiPaths.departments, departmentManifest(n, { [TEST_LABEL]: tag }), 'test')),
    );
    await waitFor(() => allReconciledAt(1), {
      timeoutMs: 60_000,
      intervalMs: 250,
      describe: () => 'not every Department was reconciled by the two shards',
    });
    const expected = (n: string) => (departmentShard(n, 2) === 0 ? a.pod : b.pod);
    const first = await reconcilersAt(1);
    for (const n of names) expect([n, [...(first.get(n) ?? [])]]).toEqual([n, [expected(n)]]);
    const perShard = [0, 1].map((s) => names.filter((n) => departmentShard(n, 2) === s).length);
    expect(Math.min(...perShard)).toBeGreaterThan(0); // both shards in use
    expect([await a.shardsHeld(), await b.shardsHeld()]).toEqual([1, 1]);

    // A crash: no graceful stop, so shard 1's Lease is left held until it expires.
    b.child.kill('SIGKILL');
    await b.exited;
    const killedAt = Date.now();
    await touchAll('After the crash');
    await waitFor(async () => (await holder(1)) === a.pod, {
      timeoutMs: 15_000,
      describe: () => `the live replica did not take shard 1 over:\n${a.output()}`,
    });
    const takeoverMs = Date.now() - killedAt;
    await waitFor(() => allReconciledAt(2), {
      timeoutMs: 30_000,
      intervalMs: 250,
      describe: () => `not every Department was reconciled after the crash:\n${a.output()}`,
    });
    const second = await reconcilersAt(2);
    for (const n of names) expect([n, [...(second.get(n) ?? [])]]).toEqual([n, [a.pod]]);
    expect(a.output()).toContain('acquired shard');
    expect(await a.shardsHeld()).toBe(2);

    // The home replica comes back (a restarted pod): the live one hands shard 1 back once its reconciles finished.
    const b2 = await startReplica(`fed-${tag}-1`);
    await waitFor(async () => (await holder(1)) === b2.pod, {
      timeoutMs: 15_000,
      describe: () => `shard 1 was not handed back:\n${a.output()}\n${b2.output()}`,
    });
    expect(a.output()).toContain('handing shard back to its home replica');
    await waitFor(async () => (await a.shardsHeld()) === 1 && (await b2.shardsHeld()) === 1, {
      timeoutMs: 5_000,
      describe: () => 'federation_shards_held did not come back to 1 each',
    });
    await touchAll('After the hand-back');
    await waitFor(() => allReconciledAt(3), {
      timeoutMs: 30_000,
      intervalMs: 250,
      describe: () => 'not every Department was reconciled after the hand-back',
    });
    const third = await reconcilersAt(3);
    for (const n of names) expect([n, [...(third.get(n) ?? [])]]).toEqual([n, [expected(n)]]);

    expect(await duplicateObjects()).toEqual([]);
    expect(await objectCount()).toBe(DEPARTMENTS);
    console.log(`sharding: shard 1 taken over ${takeoverMs} ms after the kill (lease duration 3 s)`);

    // Clean up while both replicas run (they remove the finalizers).
    await Promise.all(names.map((n) => admin.delete(apiPaths.department(n))));
    await waitFor(
      async () =>
        (
          await admin.get<{ items: DepartmentObject[] }>(apiPaths.departments, {
            labelSelector: `${TEST_LABEL}=${tag}`,
          })
        ).items.length === 0,
      { timeoutMs: 30_000, intervalMs: 250, describe: () => 'the Departments were not deleted' },
    );
  }, 120_000);
});
