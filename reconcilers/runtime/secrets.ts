import type { CoreV1Api } from '@kubernetes/client-node';
import { z } from 'zod';
import type { StackCredentials } from '../../pulumi/stack.ts';
import { TerminalError } from '../component.ts';
import { Reason } from './conditions.ts';

export const PROVIDER_KEYS = [
  'LIVEKIT_URL',
  'LIVEKIT_API_KEY',
  'LIVEKIT_API_SECRET',
  'DEEPGRAM_API_KEY',
  'CEREBRAS_API_KEY',
  'CARTESIA_API_KEY',
] as const;

const platformSecret = z.object({
  RAILWAY_TOKEN: z.string().min(1),
  PULUMI_CONFIG_PASSPHRASE: z.string().min(1),
  ...Object.fromEntries(PROVIDER_KEYS.map((k) => [k, z.string().optional()])),
});

export interface PlatformSecret {
  creds: StackCredentials;
  /** The voice agent's provider keys that are set. */
  providerKeys: Record<string, string>;
}

/** A Secret's data decoded, or undefined when it does not exist. */
export async function readSecret(
  core: CoreV1Api,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const secret = await core.readNamespacedSecret({ namespace, name });
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
  } catch (e) {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}

export async function readPlatformSecret(
  core: CoreV1Api,
  ref: { namespace: string; name: string },
): Promise<PlatformSecret> {
  const data = await readSecret(core, ref.namespace, ref.name);
  if (!data)
    throw new TerminalError(Reason.PlatformSecretInvalid, `platform Secret ${ref.namespace}/${ref.name} not found`);
  const parsed = platformSecret.safeParse(data);
  if (!parsed.success) {
    const keys = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new TerminalError(Reason.PlatformSecretInvalid, `platform Secret ${ref.namespace}/${ref.name} lacks ${keys}`);
  }
  const { RAILWAY_TOKEN, PULUMI_CONFIG_PASSPHRASE, ...rest } = parsed.data;
  const providerKeys = Object.fromEntries(
    Object.entries(rest).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
  );
  return { creds: { railwayToken: RAILWAY_TOKEN, passphrase: PULUMI_CONFIG_PASSPHRASE }, providerKeys };
}
