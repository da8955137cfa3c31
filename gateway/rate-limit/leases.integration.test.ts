import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayTestbed, startTestbed } from '../../e2e/support/gateway.ts';
import { leaseSize, PgRateLimiter } from './store.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pool, counting the statements sent through it. */
function counting(pool: pg.Pool): { db: Pick<pg.Pool, 'query'>; calls: () => number } {
  let calls = 0;
  const db = {
    query: ((...args: Parameters<pg.Pool['query']>) => {
      calls++;
      return (pool.query as (...a: unknown[]) => unknown)(...args);
    }) as pg.Pool['query'],
  };
  return { db, calls: () => calls };
}

describe('rate-limit leases', () => {
  let t: GatewayTestbed;
  const who = { source: 'lease-test', scope: 'cross-dept' };

  beforeAll(async () => {
    t = await startTestbed({ kubeconfig: inject('kubeconfig'), databaseUrl: inject('databaseUrl'), prefixes: ['lse'] });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('does ask the database once per request below 200 a window, and for 1 % (at most 100) above', () => {
    expect([10, 199, 200, 450, 10_000, 1_000_000_000].map(leaseSize)).toEqual([1, 1, 2, 4, 100, 100]);
  });

  it('does admit no more than the limit through two replicas with leases, and nearly all of it', async () => {
    const limit = 400; // leases of 4
    const a = new PgRateLimiter(t.gatewayPool);
    const b = new PgRateLimiter(t.gatewayPool);
    const decisions = await Promise.all(
      Array.from({ length: 600 }, (_, i) => (i % 2 ? a : b).hit('lease:burst', limit, 60, who)),
    );
    const admitted = decisions.filter((d) => d.allowed).length;
    expect(admitted).toBeLessThanOrEqual(limit);
    // Each replica may still hold part of its last lease when the other is refused.
    expect(admitted).toBeGreaterThanOrEqual(limit - 2 * (leaseSize(limit) - 1));
    for (const d of decisions.filter((x) => !x.allowed)) expect(d.remaining).toBe(0);
  });

  it('does serve a busy bucket from one lease instead of a call per request', async () => {
    const { db, calls } = counting(t.gatewayPool);
    const limiter = new PgRateLimiter(db);
    const decisions = await Promise.all(Array.from({ length: 100 }, () => limiter.hit('lease:busy', 10_000, 60, who)));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    // One lease of 100; a slot that ends during the burst costs one call more.
    expect(calls()).toBeLessThanOrEqual(2);
  });

  it('does give the unused admissions of a lease back once its slot has ended', async () => {
    const limiter = new PgRateLimiter(t.gatewayPool);
    const first = await limiter.hit('lease:returned', 10_000, 60, who);
    expect(first.remaining).toBe(10_000 - 1); // 100 counted, 99 of them held here
    await sleep(1100); // a slot of a 60 s window is 1 s
    const second = await limiter.hit('lease:returned', 10_000, 60, who);
    // The window counts the 1 used and the new lease of 100, of which this replica holds 99: 2 used in all.
    expect(second.remaining).toBe(10_000 - 2);
    const { rows } = await t.db.pool.query<{ n: number }>(
      `SELECT sum(value::int)::int AS n FROM federation.gateway_rate_windows, jsonb_each_text(slots) WHERE bucket = $1`,
      ['lease:returned'],
    );
    expect(rows[0]?.n).toBe(1 + 100);
  });
});
