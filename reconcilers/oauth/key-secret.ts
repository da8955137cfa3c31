import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { isConflict, isNotFound, type KubeApi, paths } from '../../controller/runtime/kube-api.ts';
import type { Logger } from '../../controller/runtime/logger.ts';
import { FIELD_MANAGER } from '../../crds/names.ts';
import { type EncryptionKeys, loadEncryptionKeys } from './encryption-keys.ts';
import { rotateEncryptionKey } from './store.ts';

export const OAUTH_KEY_SECRET = { namespace: 'federation-system', name: 'federation-oauth-key' };

/** Creates the platform's pgcrypto key Secret on first start (a generated key; never logged). */
export async function ensureOAuthKeySecret(client: KubeApi): Promise<void> {
  try {
    await client.get(`${paths.namespacedSecrets(OAUTH_KEY_SECRET.namespace)}/${OAUTH_KEY_SECRET.name}`);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await client.create(
      paths.namespacedSecrets(OAUTH_KEY_SECRET.namespace),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: OAUTH_KEY_SECRET.name, namespace: OAUTH_KEY_SECRET.namespace },
        type: 'Opaque',
        stringData: { current: 'k1', k1: randomBytes(36).toString('base64url') },
      },
      FIELD_MANAGER,
    );
  } catch (err) {
    if (!isConflict(err)) throw err; // another replica created it first
  }
}

/**
 * The keys, read from the Secret on each use; when `current` names a new key, every stored credential is
 * re-encrypted under it once (rotation: add a key, point `current` at it).
 */
export function rotatingKeys(kube: KubeApi, pool: pg.Pool, log: Logger): () => Promise<EncryptionKeys> {
  let lastCurrent: string | undefined;
  let rotating: Promise<void> | undefined;
  return async () => {
    const keys = await loadEncryptionKeys(kube, OAUTH_KEY_SECRET);
    if (keys.currentId !== lastCurrent) {
      rotating ??= rotateEncryptionKey(pool, keys).then((n) => {
        if (n > 0) log.info('re-encrypted OAuth credentials under the current key', { keyId: keys.currentId, rows: n });
        lastCurrent = keys.currentId;
        rotating = undefined;
      });
      await rotating;
    }
    return keys;
  };
}
