import { z } from 'zod';
import { readSecretData, type SecretRef } from '../../controller/platform/kube/secrets.ts';
import type { StackCredentials } from '../../pulumi/stack.ts';
import { type KubeApi, TerminalError } from '../component.ts';
import { Reason } from './conditions.ts';

export const PROVIDER_KEYS = [
  'LIVEKIT_URL',
  'LIVEKIT_API_KEY',
  'LIVEKIT_API_SECRET',
  'DEEPGRAM_API_KEY',
  'CEREBRAS_API_KEY',
  'CARTESIA_API_KEY',
  'OPENAI_API_KEY',
  'GOOGLE_API_KEY',
] as const;

/** Where the agent's providers are, when not their public endpoints (the local platform's stand-ins); not secret. */
export const PROVIDER_ENDPOINTS = [
  'CEREBRAS_BASE_URL',
  'OPENAI_BASE_URL',
  'GOOGLE_GEMINI_BASE_URL',
  'DEEPGRAM_BASE_URL',
  'CARTESIA_BASE_URL',
] as const;

const platformSecret = z.object({
  RAILWAY_TOKEN: z.string().min(1),
  PULUMI_CONFIG_PASSPHRASE: z.string().min(1),
  ...Object.fromEntries(PROVIDER_KEYS.map((k) => [k, z.string().optional()])),
  ...Object.fromEntries(PROVIDER_ENDPOINTS.map((k) => [k, z.url().optional()])),
});

export interface PlatformSecret {
  creds: StackCredentials;
  /** The voice agent's provider keys that are set. */
  providerKeys: Record<string, string>;
  /** The provider endpoints that are set. */
  providerEndpoints: Record<string, string>;
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
  const set = (keys: readonly string[]) =>
    Object.fromEntries(
      Object.entries(rest).filter(
        (e): e is [string, string] => keys.includes(e[0]) && typeof e[1] === 'string' && e[1] !== '',
      ),
    );
  return {
    creds: { railwayToken: RAILWAY_TOKEN, passphrase: PULUMI_CONFIG_PASSPHRASE },
    providerKeys: set(PROVIDER_KEYS),
    providerEndpoints: set(PROVIDER_ENDPOINTS),
  };
}
