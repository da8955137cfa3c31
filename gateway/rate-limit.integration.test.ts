import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { gatewayProcess } from '../e2e/support/gateway-process.ts';
import { CROSS_DEPT_QUERY, searchRequest } from '../e2e/support/gateway-requests.ts';
import { DepartmentDirectory, listenClient } from './identity/department-directory.ts';
import { PgRateLimiter } from './rate-limit/store.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rate limit and revocation across gateway processes', () => {
  let t: GatewayTestbed;
  const children: ChildProcess[] = [];
  let a: { url: string };
  let b: { url: string };

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['rla', 'rlb', 'rlc', 'rld'],
    });
    const [pa, pb] = await Promise.all([
      gatewayProcess(t.gatewayUrl, inject('kubeconfig')),
      gatewayProcess(t.gatewayUrl, inject('kubeconfig')),
    ]);
    children.push(pa.child, pb.child);
    [a, b] = [pa, pb];
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await t?.stop();
  });

  it('does admit at most the department’s limit through two processes together, and count the refusals', async () => {
    const [source, target] = t.departments as [string, string];
    await t.grant('rl', { source, target });
    const token = await t.token(source);
    // No Department resource exists for these names, so each process applies the default: 10 per minute.
    const calls = Array.from({ length: 30 }, (_, i) =>
      fetch(`${i % 2 ? a.url : b.url}${CROSS_DEPT_QUERY}`, searchRequest(`Bearer ${token}`, target)).then(
        (r) => r.status,
      ),
    );
    const statuses = await Promise.all(calls);
    expect(statuses.filter((s) => s === 200).length).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(20);
    await new PgRateLimiter(t.gatewayPool).flushRefusals(true);
    const { rows } = await t.db.pool.query(
      `SELECT outcome, count(*)::int AS n, sum(coalesce(refused_count, 1))::int AS requests
         FROM federation.cross_dept_audit WHERE source_department_id = $1 GROUP BY outcome ORDER BY outcome`,
      [source],
    );
    // Twenty refusals, every one counted, in one aggregated row (or two, when the burst crossed a minute).
    expect(rows.map((r) => [r.outcome, r.requests])).toEqual([
      ['allowed', 10],
      ['rate_limited', 20],
    ]);
    expect(rows[1].n).toBeLessThanOrEqual(2);
  });

  it('does admit at most 10 in any 60 s window, also across a window edge', async () => {
    const [, , source, target] = t.departments as [string, string, string, string];
    await t.grant('edge', { source, target });
    const token = await t.token(source);
    const burst = () =>
      Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fetch(`${i % 2 ? a.url : b.url}${CROSS_DEPT_QUERY}`, searchRequest(`Bearer ${token}`, target)).then(
            (r) => r.status,
          ),
        ),
      );
    // A fixed-window limiter restarts its count at every full minute: burst just before and just after one.
    const toEdge = () => 60_000 - (Date.now() % 60_000);
    if (toEdge() < 1500) await sleep(toEdge() + 100);
    await sleep(toEdge() - 400);
    const before = await burst();
    if (toEdge() < 30_000) await sleep(toEdge() + 200); // now just past the edge
    const after = await burst();
    const admitted = [...before, ...after].filter((s) => s === 200).length;
    expect(admitted).toBe(10);
  }, 90_000);

  it('does push a revocation to a listening gateway, which re-reads only that department', async () => {
    const [source] = t.departments as [string];
    let reads = 0;
    const counted = {
      query: (text: string, values?: unknown[]) => {
        reads++;
        return t.gatewayPool.query(text, values);
      },
    } as unknown as typeof t.gatewayPool;
    const directory = new DepartmentDirectory({ pool: counted, listen: listenClient(t.gatewayUrl) });
    await directory.start();
    try {
      expect(directory.pushed).toBe(true);
      const loaded = reads;
      expect((await directory.standing(source)).status).toBe('ACTIVE');
      await t.db.pool.query(
        'INSERT INTO federation.gateway_token_revocations VALUES ($1, now()) ON CONFLICT (department_id) DO UPDATE SET revoked_before = now()',
        [source],
      );
      await t.db.pool.query("UPDATE federation.departments SET status = 'DEPROVISIONING' WHERE department_id = $1", [
        source,
      ]);
      for (let i = 0; i < 100 && (await directory.standing(source)).status === 'ACTIVE'; i++) await sleep(20);
      const standing = await directory.standing(source);
      expect(standing.status).toBe('DEPROVISIONING');
      expect(standing.revokedBeforeMs).toBeGreaterThan(Date.now() - 60_000);
      // Told by the database which department changed: its rows re-read once or twice (the two changes may
      // arrive in one batch), never per check.
      const pushed = reads - loaded;
      expect(pushed).toBeGreaterThanOrEqual(1);
      expect(pushed).toBeLessThanOrEqual(2);
      await directory.standing(source);
      expect(reads - loaded).toBe(pushed);
    } finally {
      await directory.stop();
      await t.db.pool.query("UPDATE federation.departments SET status = 'ACTIVE' WHERE department_id = $1", [source]);
    }
  });
});
