import { decodeSecret, readSecret, type SecretRef } from '../../controller/platform/kube/secrets.ts';
import type { KubeApi } from '../../controller/runtime/kube-api.ts';

/** The pgcrypto keys: `current` names the key new rows use; older ids stay until rotation re-encrypted them. */
export interface EncryptionKeys {
  currentId: string;
  keys: ReadonlyMap<string, string>;
}

/**
 * Reads the platform Secret (default `federation-system/federation-oauth-key`): key `current` holds the id
 * of the active key, every other key `<id>` holds a key (at least 32 characters).
 */
export async function loadEncryptionKeys(kube: KubeApi, ref: SecretRef): Promise<EncryptionKeys> {
  const secret = await readSecret(kube, ref);
  if (!secret) throw new Error(`platform Secret ${ref.namespace}/${ref.name} with the OAuth encryption key is missing`);
  const { current, ...rest } = decodeSecret(secret);
  return encryptionKeys(current, rest);
}

export function encryptionKeys(currentId: string | undefined, keys: Record<string, string>): EncryptionKeys {
  if (!currentId || !keys[currentId]) throw new Error('OAuth encryption keys: `current` must name a present key');
  for (const [id, key] of Object.entries(keys)) {
    if (key.length < 32) throw new Error(`OAuth encryption key ${id} is shorter than 32 characters`);
  }
  return { currentId, keys: new Map(Object.entries(keys)) };
}
