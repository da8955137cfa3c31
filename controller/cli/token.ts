// `npx federation token --department hr --role agent [--lifetime 1h]`: mints a platform token the gateway
// accepts, signed with the controller's current key (read from Secret federation-system/gateway-signing-keys
// through KUBECONFIG). The token goes to stdout and nowhere else.
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { departmentName } from '../../crds/common.ts';
import { DAY_SECONDS, mintToken, ROLES, SigningKeyStore } from '../../reconcilers/gateway-token/index.ts';
import { RestClient } from '../platform/kube/rest-client.ts';

export const TOKEN_USAGE = `usage: federation token --department <name> [--role agent|admin] [--lifetime 1h] [--subject <who>]
  --lifetime  seconds, or a number with s, m, h or d (default 1h, at most 7d)
  KUBECONFIG  an admin kubeconfig (the token is signed with the key in federation-system/gateway-signing-keys)`;

/** currentKey() reads the Secret only; the database is where activeKey() publishes, which the CLI never does. */
const READ_ONLY = { query: () => Promise.reject(new Error('the CLI does not publish keys')) };
const MAX_LIFETIME_SECONDS = 7 * DAY_SECONDS; // the key store keeps retired keys published this long
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: DAY_SECONDS };

export function parseLifetime(text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!m) throw new Error(`--lifetime ${JSON.stringify(text)} is not a duration like 3600, 15m, 1h or 2d`);
  const seconds = Number(m[1]) * (UNITS[m[2] || 's'] ?? 1);
  if (seconds < 1 || seconds > MAX_LIFETIME_SECONDS) {
    throw new Error(`--lifetime must be between 1s and 7d (got ${text})`);
  }
  return seconds;
}

const tokenArgs = z.object({
  department: departmentName,
  role: z.enum(ROLES),
  lifetime: z.string().transform((s, ctx) => {
    try {
      return parseLifetime(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  subject: z.string().min(1).max(200).optional(),
});

export async function token(argv: string[], kubeConfig: KubeConfig): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      department: { type: 'string' },
      role: { type: 'string', default: 'agent' },
      lifetime: { type: 'string', default: '1h' },
      subject: { type: 'string' },
    },
    strict: true,
  });
  const parsed = tokenArgs.safeParse(values);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  const kube = new RestClient(kubeConfig);
  try {
    const key = await new SigningKeyStore({ pool: READ_ONLY }).currentKey(kube);
    if (!key) throw new Error('no signing key yet: the controller creates one when it first reconciles a department');
    const { token } = await mintToken(key, {
      department: parsed.data.department,
      role: parsed.data.role,
      lifetimeSeconds: parsed.data.lifetime,
      subject: parsed.data.subject,
    });
    return token;
  } finally {
    kube.close();
  }
}

/** Runs `federation token`; resolves with the exit code. */
export async function tokenCommand(argv: string[]): Promise<number> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  try {
    process.stdout.write(`${await token(argv, kubeConfig)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`federation token: ${(err as Error).message}\n${TOKEN_USAGE}\n`);
    return 2;
  }
}
