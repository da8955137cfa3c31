import type pg from 'pg';
import type { KubeApi } from '../../runtime/kube-api.ts';
import { isNotFound } from '../kube/rest-client.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** One broken link of an audit hash chain (federation.audit_chain_verify, migration 0007). */
export interface BrokenLink {
  chain: string;
  seq: number;
  rowId: string | null;
  createdAt: string | null;
  problem: string;
}

/** A chain head as a digest records it: the chain had `seq` rows and its last row hashed to `hash`. */
export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

/** Every broken link inside the database, oldest first (an empty list: every chain verifies). */
export async function verifyChains(db: Queryable): Promise<BrokenLink[]> {
  const { rows } = await db.query<{
    chain: string;
    seq: string;
    row_id: string | null;
    created_at: Date | null;
    problem: string;
  }>('SELECT chain, seq::text, row_id, created_at, problem FROM federation.audit_chain_verify()');
  return rows.map((r) => ({
    chain: r.chain,
    seq: Number(r.seq),
    rowId: r.row_id,
    createdAt: r.created_at?.toISOString() ?? null,
    problem: r.problem,
  }));
}

export async function chainHeads(db: Queryable): Promise<ChainHead[]> {
  const { rows } = await db.query<{ chain: string; seq: string; hash: string }>(
    "SELECT chain, seq::text, encode(head, 'hex') AS hash FROM federation.audit_chain_heads WHERE seq > 0 ORDER BY chain",
  );
  return rows.map((r) => ({ chain: r.chain, seq: Number(r.seq), hash: r.hash }));
}

/**
 * Heads recorded earlier (outside the database) that the chains no longer contain: the row at that place is
 * gone or hashes differently, so history up to it was rewritten, even if every link inside the database was
 * recomputed to match. Rows retention removed (before the chain's pruned_seq) are not held against it.
 */
export async function checkDigests(db: Queryable, heads: ChainHead[]): Promise<BrokenLink[]> {
  if (heads.length === 0) return [];
  const { rows } = await db.query<{ chain: string; seq: string; found: string | null; pruned: boolean }>(
    `SELECT d.chain, d.seq::text, coalesce(encode(q.row_hash, 'hex'), encode(s.row_hash, 'hex')) AS found,
            coalesce(h.pruned_seq >= d.seq, false) AS pruned
       FROM unnest($1::text[], $2::bigint[], $3::text[]) AS d(chain, seq, hash)
       LEFT JOIN federation.cross_dept_audit q ON q.chain = d.chain AND q.chain_seq = d.seq
       LEFT JOIN federation.security_audit s ON s.chain = d.chain AND s.chain_seq = d.seq
       LEFT JOIN federation.audit_chain_heads h ON h.chain = d.chain`,
    [heads.map((h) => h.chain), heads.map((h) => h.seq), heads.map((h) => h.hash)],
  );
  const expected = new Map(heads.map((h) => [`${h.chain}#${h.seq}`, h.hash]));
  return rows
    .filter((r) => !r.pruned && r.found !== expected.get(`${r.chain}#${r.seq}`))
    .map((r) => ({
      chain: r.chain,
      seq: Number(r.seq),
      rowId: null,
      createdAt: null,
      problem: r.found
        ? 'row differs from the digest recorded outside the database (history rewritten)'
        : 'row recorded in a digest is missing (history rewritten)',
    }));
}

export const DIGEST_NAMESPACE = 'federation-system';
export const DIGEST_PREFIX = 'federation-audit-digest-';
const DIGEST_LABEL = 'federation.synrg.io/audit-digest';

interface ConfigMap {
  metadata: { name: string };
  data?: Record<string, string>;
}

/** Merges `data` into a digest-labelled ConfigMap, creating it on first use. */
async function writeHeads(kube: KubeApi, namespace: string, name: string, data: Record<string, string>) {
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  try {
    await kube.mergePatch(`${path}/${name}`, { data }, 'federation-controller');
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await kube.create(
      path,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { [DIGEST_LABEL]: 'true' } }, data },
      'federation-controller',
    );
  }
}

/**
 * Writes the chain heads into the day's ConfigMap `federation-audit-digest-YYYY-MM-DD` in federation-system,
 * one key per run (`HHMM`, UTC). The database's owner has no Kubernetes rights, so rewriting the trail and
 * then the digests needs two unrelated sets of credentials; `federation audit verify` compares them.
 */
export async function writeDigest(
  db: Queryable,
  kube: KubeApi,
  opts: { now?: Date; namespace?: string } = {},
): Promise<ChainHead[]> {
  const now = opts.now ?? new Date();
  const namespace = opts.namespace ?? DIGEST_NAMESPACE;
  const heads = await chainHeads(db);
  const iso = now.toISOString();
  const name = `${DIGEST_PREFIX}${iso.slice(0, 10)}`;
  const key = `${iso.slice(11, 13)}${iso.slice(14, 16)}`;
  await writeHeads(kube, namespace, name, { [key]: JSON.stringify({ at: iso, heads }) });
  return heads;
}

/** The ConfigMap holding the chains' latest heads, rewritten within seconds of every audited write. */
export const ANCHOR_NAME = 'federation-audit-anchor';
/** How often the leader compares the heads with the anchor: the window in which a tail row can be rewritten unnoticed. */
export const ANCHOR_INTERVAL_MS = 10_000;

/**
 * Anchors the chains' current heads outside the database: ConfigMap `federation-audit-anchor` (labelled like the
 * daily digests, so `federation audit verify` checks it with them) is rewritten whenever a head moved since the last
 * run. A superuser who deletes or rewrites the newest rows and recomputes the heads is caught once an anchor
 * covers them, ANCHOR_INTERVAL_MS later at most, instead of at the next hourly digest.
 */
export function auditAnchor(db: Queryable, kube: KubeApi, opts: { namespace?: string } = {}): () => Promise<void> {
  const namespace = opts.namespace ?? DIGEST_NAMESPACE;
  let anchored: string | undefined;
  return async function anchor() {
    const heads = JSON.stringify(await chainHeads(db));
    if (heads === anchored) return;
    const at = new Date().toISOString();
    await writeHeads(kube, namespace, ANCHOR_NAME, { heads: JSON.stringify({ at, heads: JSON.parse(heads) }) });
    anchored = heads;
  };
}

/** Every head recorded in the digest ConfigMaps (all days, and the anchor), for checkDigests. */
export async function readDigests(kube: Pick<KubeApi, 'get'>, namespace = DIGEST_NAMESPACE): Promise<ChainHead[]> {
  const list = await kube.get<{ items: ConfigMap[] }>(`/api/v1/namespaces/${namespace}/configmaps`, {
    labelSelector: `${DIGEST_LABEL}=true`,
  });
  const heads: ChainHead[] = [];
  for (const cm of list.items) {
    for (const value of Object.values(cm.data ?? {})) {
      const parsed = JSON.parse(value) as { heads?: ChainHead[] };
      for (const h of parsed.heads ?? []) heads.push(h);
    }
  }
  return heads;
}

/** How often the leader verifies the audit trail (as the digest is written: hourly). */
export const VERIFY_INTERVAL_MS = 60 * 60_000;

/**
 * The leader's periodic `federation audit verify`: every link inside the database, then the heads the digests and
 * the anchor recorded outside it. `report` gets the number of broken links once the check ran to the end (a
 * check that cannot run throws, and reports nothing).
 */
export function auditVerify(
  db: Queryable,
  kube: Pick<KubeApi, 'get'>,
  report: (brokenLinks: number) => void,
  opts: { namespace?: string } = {},
): () => Promise<BrokenLink[]> {
  return async function verify() {
    const broken = await verifyChains(db);
    broken.push(...(await checkDigests(db, await readDigests(kube, opts.namespace))));
    report(broken.length);
    return broken;
  };
}
