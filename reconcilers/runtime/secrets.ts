import { z } from 'zod';
import { type KubeApi, TerminalError } from '../../controller/core/component.ts';
import { readSecretData, type SecretRef } from '../../controller/platform/kube/secrets.ts';
import type { StackCredentials } from '../../pulumi/stack.ts';
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

export async function readPlatformSecret(kube: KubeApi, ref: SecretRef): Promise<PlatformSecret> {
  const data = await readSecretData(kube, ref);
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
