import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { rewriteHrChains, seedQueries } from '../../e2e/support/audit-trail.ts';
import { createTestDatabase, kubeConfigFrom, type TestDatabase } from '../../e2e/support/database.ts';
import { ensureNamespace } from '../../e2e/support/gateway.ts';
import { REPO_ROOT } from '../../e2e/testenv/platform.ts';
import { auditAnchor, writeDigest } from '../platform/database/audit-chain.ts';
import { RestClient } from '../platform/kube/rest-client.ts';

const exec = promisify(execFile);

/** Runs `federation audit verify` as an operator would; resolves with its exit code and output. */
async function verify(db: TestDatabase, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await exec('node', ['controller/bin/federation.mjs', 'audit', 'verify', ...args], {
      env: { ...process.env, DATABASE_URL: db.url, KUBECONFIG: inject('kubeconfig') },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

/**
 * Three audit rows of department `hr` and two security events, written as the gateway and controller do; one
 * connection, so the queries land in one of hr's chains (`query:hr#<n>`, n from the connection).
 */
async function seed(db: TestDatabase): Promise<string[]> {
  const ids = await seedQueries(db);
  for (const e of ['DRIFT_REPAIRED', 'ISOLATION_BREACH']) {
    await db.pool.query(
      "INSERT INTO federation.security_audit (event_type, department_id, severity) VALUES ($1, 'hr', 'warning')",
      [e],
    );
  }
  return ids;
}

describe('federation audit verify', () => {
  const dbs: TestDatabase[] = [];
  const namespace = `audit-digest-${randomBytes(3).toString('hex')}`;
  const fresh = async () => {
    const db = await createTestDatabase(inject('databaseUrl'));
    dbs.push(db);
    return db;
  };

  beforeAll(async () => {
    await ensureNamespace(inject('kubeconfig'), namespace);
  });

  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.drop([]);
  });

  it('does report an intact trail', async () => {
    const db = await fresh();
    await seed(db);
    const run = await verify(db, '--no-digests');
    expect(run).toMatchObject({ code: 0 });
    expect(run.out).toMatch(/^intact: 2 chains, 5 rows/);
  });

  it('does find a row edited as superuser', async () => {
    const db = await fresh();
    const ids = await seed(db);
    await db.pool.query("UPDATE federation.cross_dept_audit SET outcome = 'denied' WHERE id = $1", [ids[1]]);
    const run = await verify(db, '--no-digests');
    expect(run.code).toBe(1);
    expect(run.out).toMatch(new RegExp(`first: query:hr#\\d #2 \\(row ${ids[1]}`));
    expect(run.out).toMatch(/row changed/);
  });

  it('does print the verdict, the counts and every broken link as JSON with -o json', async () => {
    const db = await fresh();
    const ids = await seed(db);
    const intact = await verify(db, '--no-digests', '-o', 'json');
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.out)).toEqual({ intact: true, chains: 2, rows: 5, digestEntries: null, broken: [] });
    await db.pool.query("UPDATE federation.cross_dept_audit SET outcome = 'denied' WHERE id = $1", [ids[1]]);
    const broken = await verify(db, '--no-digests', '-o', 'json');
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.out);
    expect(report).toMatchObject({ intact: false, chains: 2, rows: 5 });
    expect(report.broken[0]).toMatchObject({ seq: 2, rowId: ids[1], problem: expect.stringContaining('row changed') });
  });

  it('does verify through kubectl as a plugin: kubectl federation audit verify', async () => {
    const db = await fresh();
    await seed(db);
    const empty = `audit-plugin-${randomBytes(3).toString('hex')}`;
    await ensureNamespace(inject('kubeconfig'), empty);
    const { stdout } = await exec('kubectl', ['federation', 'audit', 'verify', '--digest-namespace', empty], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        KUBECONFIG: inject('kubeconfig'),
        PATH: `${join(REPO_ROOT, 'controller', 'bin')}${delimiter}${process.env.PATH}`,
      },
    });
    expect(stdout).toMatch(/^intact: 2 chains, 5 rows; 0 digest entries checked/);
  });

  it('does find a row deleted as superuser', async () => {
    const db = await fresh();
    const ids = await seed(db);
    await db.pool.query('DELETE FROM federation.cross_dept_audit WHERE id = $1', [ids[1]]);
    const run = await verify(db, '--no-digests');
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/first: query:hr#\d #3 .*rows 2 to 2 missing before this one/);
  });

  it('does find the last rows deleted as superuser', async () => {
    const db = await fresh();
    const ids = await seed(db);
    await db.pool.query('DELETE FROM federation.cross_dept_audit WHERE id = $1', [ids[2]]);
    const run = await verify(db, '--no-digests');
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/first: query:hr#\d #2 .*chain head is row 3/);
  });

  it('does find rows reordered as superuser', async () => {
    const db = await fresh();
    const ids = await seed(db);
    // Swap the places of rows 2 and 3 (their numbers, or their timestamps: each breaks the chain).
    await db.pool.query(
      `UPDATE federation.cross_dept_audit SET chain_seq = CASE id WHEN $1::uuid THEN 3 ELSE 2 END WHERE id IN ($1, $2)`,
      [ids[1], ids[2]],
    );
    const run = await verify(db, '--no-digests');
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/first: query:hr#\d #[23] .*row changed/);
    const db2 = await fresh();
    await seed(db2);
    await db2.pool.query(
      `UPDATE federation.security_audit SET created_at = created_at + interval '1 hour' WHERE chain_seq = 1`,
    );
    expect((await verify(db2, '--no-digests')).out).toMatch(/first: event:hr #1 .*row changed/);
  });

  it('does find a history rewritten with a recomputed chain, from the digest kept outside the database', async () => {
    const db = await fresh();
    await seed(db);
    const kube = new RestClient(kubeConfigFrom(inject('kubeconfig')));
    try {
      await writeDigest(db.pool, kube, { namespace });
      expect((await verify(db, '--digest-namespace', namespace)).code).toBe(0);
      // A superuser rewrites the whole chain so that every link inside the database matches again.
      await rewriteHrChains(db);
      expect((await verify(db, '--no-digests')).code).toBe(0);
      const run = await verify(db, '--digest-namespace', namespace);
      expect(run.code).toBe(1);
      expect(run.out).toMatch(/query:hr#\d #3: row (differs from the digest|recorded in a digest is missing)/);
    } finally {
      kube.close();
    }
  });

  it('does find the newest row deleted and its head recomputed, from the anchor written seconds after it', async () => {
    const db = await fresh();
    await seed(db);
    // Its own namespace: the digests of the test before describe another database's chains of the same names.
    const anchors = `${namespace}-anchor`;
    await ensureNamespace(inject('kubeconfig'), anchors);
    const kube = new RestClient(kubeConfigFrom(inject('kubeconfig')));
    try {
      await auditAnchor(db.pool, kube, { namespace: anchors })();
      expect((await verify(db, '--digest-namespace', anchors)).code).toBe(0);
      // A superuser removes the newest query row and moves the chain's head back onto the row before it.
      const { rows } = await db.pool.query<{ chain: string; seq: string }>(
        "SELECT chain, chain_seq::text AS seq FROM federation.cross_dept_audit WHERE chain LIKE 'query:hr#%' ORDER BY chain_seq DESC LIMIT 1",
      );
      const newest = rows[0] as { chain: string; seq: string };
      await db.pool.query('DELETE FROM federation.cross_dept_audit WHERE chain = $1 AND chain_seq = $2', [
        newest.chain,
        newest.seq,
      ]);
      await db.pool.query(
        `UPDATE federation.audit_chain_heads h SET seq = h.seq - 1, head = h.prev,
                prev = coalesce((SELECT a.prev_hash FROM federation.cross_dept_audit a
                                  WHERE a.chain = h.chain AND a.chain_seq = h.seq - 1), h.prev)
          WHERE h.chain = $1`,
        [newest.chain],
      );
      expect((await verify(db, '--no-digests')).code).toBe(0); // every link inside the database matches
      const run = await verify(db, '--digest-namespace', anchors);
      expect(run.code).toBe(1);
      expect(run.out).toContain(`${newest.chain} #${newest.seq}: row recorded in a digest is missing`);
    } finally {
      kube.close();
    }
  });
});
