import type { Command } from 'commander';
import { DIGEST_NAMESPACE } from '../platform/database/audit-chain.ts';
import { audit } from './audit.ts';

export function registerAudit(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('audit')
    .description('the tamper-evident audit trail')
    .command('verify')
    .description(
      'check every audit hash chain (DATABASE_URL) and, unless --no-digests, the daily digests in ConfigMaps (KUBECONFIG)',
    )
    .option('--no-digests', 'skip the comparison with the daily digests')
    .option('--digest-namespace <namespace>', 'where the digest ConfigMaps are', DIGEST_NAMESPACE)
    .action(async (opts: { digests: boolean; digestNamespace: string }) => {
      const args = ['verify', '--digest-namespace', opts.digestNamespace, ...(opts.digests ? [] : ['--no-digests'])];
      setExitCode(await audit(args));
    });
}
