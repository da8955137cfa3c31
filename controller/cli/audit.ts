/**
 * `federation audit verify [--no-digests]`: checks every audit hash chain in the database (DATABASE_URL) and,
 * unless --no-digests, against the daily digests the controller keeps in ConfigMaps (KUBECONFIG). Prints the
 * first broken link and how many there are; exits 0 when everything verifies, 1 when something is broken.
 */
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import {
  type BrokenLink,
  checkDigests,
  DIGEST_NAMESPACE,
  readDigests,
  verifyChains,
} from '../platform/database/audit-chain.ts';
import { RestClient } from '../platform/kube/rest-client.ts';

export const AUDIT_USAGE = `usage: federation audit verify [--no-digests] [--digest-namespace federation-system]
  DATABASE_URL  the platform database; KUBECONFIG  where the digest ConfigMaps are`;

function describe(b: BrokenLink): string {
  return `${b.chain} #${b.seq}${b.rowId ? ` (row ${b.rowId}${b.createdAt ? `, ${b.createdAt}` : ''})` : ''}: ${b.problem}`;
}

/** Runs one `federation audit` command; resolves with the exit code. */
export async function audit(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'no-digests': { type: 'boolean', default: false },
      'digest-namespace': { type: 'string', default: DIGEST_NAMESPACE },
    },
  });
  const url = process.env.DATABASE_URL;
  if (positionals[0] !== 'verify' || !url) {
    process.stderr.write(`${url ? '' : 'DATABASE_URL must be set\n'}${AUDIT_USAGE}\n`);
    return 2;
  }
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const broken = await verifyChains(pool);
    const { rows } = await pool.query<{ chains: number; rows: number }>(
      `SELECT (SELECT count(*)::int FROM federation.audit_chain_heads) AS chains,
              (SELECT count(*)::int FROM federation.cross_dept_audit WHERE chain IS NOT NULL)
            + (SELECT count(*)::int FROM federation.security_audit WHERE chain IS NOT NULL) AS rows`,
    );
    let digests = 'digests not checked (--no-digests)';
    if (!values['no-digests']) {
      const kc = new KubeConfig();
      kc.loadFromDefault();
      const kube = new RestClient(kc);
      try {
        const heads = await readDigests(kube, values['digest-namespace']);
        const rewritten = await checkDigests(pool, heads);
        broken.push(...rewritten);
        digests = `${heads.length} digest entries checked`;
      } finally {
        kube.close();
      }
    }
    const counts = rows[0] ?? { chains: 0, rows: 0 };
    if (broken.length === 0) {
      process.stdout.write(`intact: ${counts.chains} chains, ${counts.rows} rows; ${digests}\n`);
      return 0;
    }
    process.stdout.write(
      `BROKEN: ${broken.length} broken link(s) in ${counts.chains} chains, ${counts.rows} rows; ${digests}\nfirst: ${describe(broken[0] as BrokenLink)}\n`,
    );
    for (const b of broken.slice(1, 20)) process.stdout.write(`       ${describe(b)}\n`);
    return 1;
  } finally {
    await pool.end();
  }
}
