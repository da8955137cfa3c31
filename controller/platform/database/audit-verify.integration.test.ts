import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rewriteHrChains, seedQueries as seed } from '../../../e2e/support/audit-trail.ts';
import { createTestDatabase, kubeConfigFrom, type TestDatabase } from '../../../e2e/support/database.ts';
import { ensureNamespace } from '../../../e2e/support/gateway.ts';
import { RestClient } from '../kube/rest-client.ts';
import { FederationMetrics } from '../metrics/federation-metrics.ts';
import { auditVerify, writeDigest } from './audit-chain.ts';

/** The two series the leader's audit-verify task exports. */
async function exported(metrics: FederationMetrics): Promise<{ broken: number; lastSuccess: number }> {
  const [broken, last] = await Promise.all([metrics.auditBrokenLinks.get(), metrics.auditVerifyLastSuccess.get()]);
  return { broken: broken.values[0]?.value ?? Number.NaN, lastSuccess: last.values[0]?.value ?? Number.NaN };
}

describe('auditVerify (the leader task audit-verify)', () => {
  let db: TestDatabase;
  let kube: RestClient;
  const namespace = `audit-verify-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    await ensureNamespace(inject('kubeconfig'), namespace);
    kube = new RestClient(kubeConfigFrom(inject('kubeconfig')));
    db = await createTestDatabase(inject('databaseUrl'));
  });

  afterAll(async () => {
    await db?.drop([]);
    kube?.close();
  });

  it('does export 0 broken links and the time of an intact verification, then the links a rewrite broke', async () => {
    const ids = await seed(db);
    await writeDigest(db.pool, kube, { namespace });
    const metrics = new FederationMetrics(new Registry());
    const verify = auditVerify(db.pool, kube, metrics.observeAuditVerify, { namespace });

    const before = Date.now() / 1000;
    expect(await verify()).toEqual([]);
    const intact = await exported(metrics);
    expect(intact.broken).toBe(0);
    expect(intact.lastSuccess).toBeGreaterThanOrEqual(Math.floor(before));

    // A superuser edits the middle row: its link breaks inside the database.
    await db.pool.query("UPDATE federation.cross_dept_audit SET outcome = 'denied' WHERE id = $1", [ids[1]]);
    const broken = await verify();
    expect(broken.length).toBeGreaterThan(0);
    expect((await exported(metrics)).broken).toBe(broken.length);
  });

  it('does check the heads recorded outside the database: a recomputed chain is caught by the digest', async () => {
    const fresh = await createTestDatabase(inject('databaseUrl'));
    try {
      await seed(fresh);
      const ns = `${namespace}-d`;
      await ensureNamespace(inject('kubeconfig'), ns);
      await writeDigest(fresh.pool, kube, { namespace: ns });
      await rewriteHrChains(fresh);
      const metrics = new FederationMetrics(new Registry());
      const broken = await auditVerify(fresh.pool, kube, metrics.observeAuditVerify, { namespace: ns })();
      expect(broken.map((b) => b.problem).join('\n')).toMatch(/history rewritten/);
      expect((await exported(metrics)).broken).toBe(broken.length);
    } finally {
      await fresh.drop([]);
    }
  });

  it('does report nothing when the check cannot run (the last success stays where it was)', async () => {
    const metrics = new FederationMetrics(new Registry());
    const closed = await createTestDatabase(inject('databaseUrl'));
    await closed.drop([]);
    await expect(auditVerify(closed.pool, kube, metrics.observeAuditVerify, { namespace })()).rejects.toThrow();
    expect(await exported(metrics)).toEqual({ broken: 0, lastSuccess: 0 });
  });

  it('does hash each audit row with plans the session keeps (content inlined, the head upsert in plpgsql)', async () => {
    for (const table of ['cross_dept_audit', 'security_audit']) {
      const { rows } = await db.pool.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (VERBOSE) SELECT federation.${table}_content(a) FROM federation.${table} a`,
      );
      const output = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(output).toContain('jsonb_build_object');
      expect(output).not.toContain(`${table}_content`);
    }
    const { rows } = await db.pool.query(
      `SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.oid = 'federation.audit_chain_append(text, text)'::regprocedure`,
    );
    expect(rows).toEqual([{ lanname: 'plpgsql' }]);
  });
});
