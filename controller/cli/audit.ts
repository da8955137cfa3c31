/**
 * `federation audit verify [--no-digests]`: checks every audit hash chain in the database (DATABASE_URL) and,
 * unless --no-digests, against the daily digests the controller keeps in ConfigMaps (KUBECONFIG). Prints the
 * first broken link and how many there are; exits 0 when everything verifies, 1 when something is broken.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import pg from 'pg';
import {
  type BrokenLink,
  checkDigests,
  DIGEST_NAMESPACE,
  readDigests,
  verifyChains,
} from '../platform/database/audit-chain.ts';
import { RestClient } from '../platform/kube/rest-client.ts';
import { databaseUrl, type OutputFormat, printJson, withOutput } from './program.ts';

function describe(b: BrokenLink): string {
  return `${b.chain} #${b.seq}${b.rowId ? ` (row ${b.rowId}${b.createdAt ? `, ${b.createdAt}` : ''})` : ''}: ${b.problem}`;
}

export interface AuditVerifyOptions {
  /** Also compare with the digests and the anchor in ConfigMaps (KUBECONFIG). */
  digests: boolean;
  digestNamespace: string;
  output: OutputFormat;
}

/** Runs `federation audit verify`; resolves with the exit code (1: something is broken). */
export async function verifyAudit(opts: AuditVerifyOptions): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  try {
    const broken = await verifyChains(pool);
    const { rows } = await pool.query<{ chains: number; rows: number }>(
      `SELECT (SELECT count(*)::int FROM federation.audit_chain_heads) AS chains,
              (SELECT count(*)::int FROM federation.cross_dept_audit WHERE chain IS NOT NULL)
            + (SELECT count(*)::int FROM federation.security_audit WHERE chain IS NOT NULL) AS rows`,
    );
    let digests = 'digests not checked (--no-digests)';
    let digestEntries: number | null = null;
    if (opts.digests) {
      const kc = new KubeConfig();
      kc.loadFromDefault();
      const kube = new RestClient(kc);
      try {
        const heads = await readDigests(kube, opts.digestNamespace);
        const rewritten = await checkDigests(pool, heads);
        broken.push(...rewritten);
        digestEntries = heads.length;
        digests = `${heads.length} digest entries checked`;
      } finally {
        kube.close();
      }
    }
    const counts = rows[0] ?? { chains: 0, rows: 0 };
    if (opts.output === 'json') {
      printJson({ intact: broken.length === 0, ...counts, digestEntries, broken });
      return broken.length === 0 ? 0 : 1;
    }
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

export function registerAudit(program: Command, setExitCode: (code: number) => void): void {
  withOutput(
    program
      .command('audit')
      .description('the tamper-evident audit trail')
      .command('verify')
      .description(
        'check every audit hash chain (DATABASE_URL) and, unless --no-digests, the daily digests and the anchor in ConfigMaps (KUBECONFIG); exit 1 when a link is broken',
      )
      .option('--no-digests', 'skip the comparison with the digests in ConfigMaps')
      .option('--digest-namespace <namespace>', 'where the digest ConfigMaps are', DIGEST_NAMESPACE),
  ).action(async (opts: { digests: boolean; digestNamespace: string; output: OutputFormat }) => {
    setExitCode(await verifyAudit(opts));
  });
}
