// `federation token --department hr --role agent [--lifetime 1h]`: mints a platform token the gateway accepts,
// signed with the controller's current key (read from Secret federation-system/gateway-signing-keys through
// KUBECONFIG). The token goes to stdout and nowhere else.
import { KubeConfig } from '@kubernetes/client-node';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { RestClient } from '../platform/kube/rest-client.ts';
import { DAY_SECONDS, ROLES } from '../platform/tokens/constants.ts';
import { SigningKeyStore } from '../platform/tokens/key-store.ts';
import { mintToken } from '../platform/tokens/mint.ts';
import { departmentArgument, type OutputFormat, printJson, withOutput } from './program.ts';

/** currentKey() reads the Secret only; the database is where activeKey() publishes, which the CLI never does. */
const READ_ONLY = { query: () => Promise.reject(new Error('the CLI does not publish keys')) };
const MAX_LIFETIME_SECONDS = 7 * DAY_SECONDS; // the key store keeps retired keys published this long
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: DAY_SECONDS };

export function parseLifetime(text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`${JSON.stringify(text)} is not a duration like 3600, 15m, 1h or 2d`);
  const seconds = Number(m[1]) * (UNITS[m[2] || 's'] ?? 1);
  if (seconds < 1 || seconds > MAX_LIFETIME_SECONDS) {
    throw new InvalidArgumentError(`must be between 1s and 7d (got ${text})`);
  }
  return seconds;
}

function subjectArgument(value: string): string {
  if (value.length < 1 || value.length > 200) throw new InvalidArgumentError('must be 1 to 200 characters');
  return value;
}

export interface TokenRequest {
  department: string;
  role: (typeof ROLES)[number];
  lifetimeSeconds: number;
  subject?: string;
}

/** Mints a token with the controller's current signing key. */
export async function token(
  request: TokenRequest,
  kubeConfig: KubeConfig,
): Promise<{ token: string; expiresAt: Date }> {
  const kube = new RestClient(kubeConfig);
  try {
    const key = await new SigningKeyStore({ pool: READ_ONLY }).currentKey(kube);
    if (!key) throw new Error('no signing key yet: the controller creates one when it first reconciles a department');
    return await mintToken(key, request);
  } finally {
    kube.close();
  }
}

export function registerToken(program: Command, setExitCode: (code: number) => void): void {
  withOutput(
    program
      .command('token')
      .description("mint a platform token the gateway accepts, signed with the controller's current key")
      .requiredOption('--department <name>', 'the department the token acts for', departmentArgument)
      .addOption(new Option('--role <role>', 'what the token may do').choices(ROLES).default('agent'))
      .option('--lifetime <duration>', 'seconds, or a number with s, m, h or d (at most 7d)', parseLifetime, 3600)
      .option('--subject <who>', 'the sub claim (default system:department:<name>:<role>)', subjectArgument),
  )
    .addHelpText(
      'after',
      '\nKUBECONFIG: an admin kubeconfig (the key is read from Secret federation-system/gateway-signing-keys).',
    )
    .action(async (opts: TokenRequest & { lifetime: number; output: OutputFormat }) => {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromDefault();
      const { department, role, subject } = opts;
      const minted = await token({ department, role, subject, lifetimeSeconds: opts.lifetime }, kubeConfig);
      if (opts.output === 'json') {
        printJson({ token: minted.token, department, role, expiresAt: minted.expiresAt.toISOString() });
      } else {
        process.stdout.write(`${minted.token}\n`);
      }
      setExitCode(0);
    });
}
