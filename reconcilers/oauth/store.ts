import type pg from 'pg';
import type { EncryptionKeys } from './encryption-keys.ts';

/** One department's OAuth client for one service, decrypted. */
export interface StoredCredential {
  departmentId: string;
  service: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string | null;
  scopes: string[];
  keyId: string;
  /** pgcrypto's cipher of the encrypted columns (OAUTH_CIPHER, or aes128 for a row not yet re-encrypted). */
  cipher: string;
  tokenExpiresAt: Date | null;
  rotatedAt: Date | null;
}

export interface CredentialInput {
  departmentId: string;
  service: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string | undefined;
  appName: string;
  scopes: readonly string[];
}

export async function ensurePgcrypto(pool: pg.Pool): Promise<void> {
  await pool.query('CREATE EXTENSION IF NOT EXISTS pgcrypto');
}

/**
 * pgcrypto's options for every OAuth secret: AES-256 (pgp_sym_encrypt's default is AES-128). pgp_sym_decrypt reads
 * the cipher from the message, so rows written under AES-128 stay readable until rotateEncryptionKey rewrites them.
 */
export const OAUTH_CIPHER = 'aes256';
const PGP_OPTIONS = `cipher-algo=${OAUTH_CIPHER}`;

function keyFor(keys: EncryptionKeys, id: string): string {
  const key = keys.keys.get(id);
  if (!key) throw new Error(`oauth_credentials row is encrypted under key ${id}, which the key Secret no longer has`);
  return key;
}

export async function readCredential(
  pool: pg.Pool,
  keys: EncryptionKeys,
  departmentId: string,
  service: string,
): Promise<StoredCredential | undefined> {
  const found = await pool.query<{ key_id: string }>(
    'SELECT key_id FROM federation.oauth_credentials WHERE department_id = $1 AND service_name = $2',
    [departmentId, service],
  );
  const keyId = found.rows[0]?.key_id;
  if (!keyId) return undefined;
  const { rows } = await pool.query(
    `SELECT oauth_client_id, pgp_sym_decrypt(oauth_client_secret_encrypted, $3) AS client_secret,
            CASE WHEN refresh_token_encrypted IS NULL THEN NULL ELSE pgp_sym_decrypt(refresh_token_encrypted, $3) END
              AS refresh_token,
            token_expires_at, rotated_at, scopes, cipher_algo
       FROM federation.oauth_credentials WHERE department_id = $1 AND service_name = $2`,
    [departmentId, service, keyFor(keys, keyId)],
  );
  const row = rows[0];
  return {
    departmentId,
    service,
    clientId: row.oauth_client_id,
    clientSecret: row.client_secret,
    refreshToken: row.refresh_token,
    scopes: row.scopes ?? [],
    keyId,
    cipher: row.cipher_algo,
    tokenExpiresAt: row.token_expires_at,
    rotatedAt: row.rotated_at,
  };
}

/** Writes the credential encrypted under the current key; true when something changed (a rotation). */
export async function upsertCredential(pool: pg.Pool, keys: EncryptionKeys, input: CredentialInput): Promise<boolean> {
  const existing = await readCredential(pool, keys, input.departmentId, input.service);
  const same =
    existing &&
    existing.keyId === keys.currentId &&
    existing.cipher === OAUTH_CIPHER &&
    existing.clientId === input.clientId &&
    existing.clientSecret === input.clientSecret &&
    existing.refreshToken === (input.refreshToken ?? null) &&
    JSON.stringify(existing.scopes) === JSON.stringify(input.scopes);
  if (same) return false;
  const secretChanged =
    existing &&
    (existing.clientId !== input.clientId ||
      existing.clientSecret !== input.clientSecret ||
      existing.refreshToken !== (input.refreshToken ?? null));
  await pool.query(
    `INSERT INTO federation.oauth_credentials
       (department_id, service_name, oauth_client_id, oauth_client_secret_encrypted, refresh_token_encrypted,
        key_id, oauth_app_name, scopes, cipher_algo)
     VALUES ($1, $2, $3, pgp_sym_encrypt($4, $6, $11),
             CASE WHEN $5::text IS NULL THEN NULL ELSE pgp_sym_encrypt($5, $6, $11) END, $7, $8, $9::jsonb, $12)
     ON CONFLICT (department_id, service_name) DO UPDATE SET
       oauth_client_id = EXCLUDED.oauth_client_id,
       oauth_client_secret_encrypted = EXCLUDED.oauth_client_secret_encrypted,
       refresh_token_encrypted = EXCLUDED.refresh_token_encrypted,
       key_id = EXCLUDED.key_id,
       cipher_algo = EXCLUDED.cipher_algo,
       oauth_app_name = EXCLUDED.oauth_app_name,
       scopes = EXCLUDED.scopes,
       rotated_at = CASE WHEN $10 THEN now() ELSE federation.oauth_credentials.rotated_at END,
       token_expires_at = CASE WHEN $10 THEN NULL ELSE federation.oauth_credentials.token_expires_at END`,
    [
      input.departmentId,
      input.service,
      input.clientId,
      input.clientSecret,
      input.refreshToken ?? null,
      keyFor(keys, keys.currentId),
      keys.currentId,
      input.appName,
      JSON.stringify(input.scopes),
      Boolean(secretChanged),
      PGP_OPTIONS,
      OAUTH_CIPHER,
    ],
  );
  return true;
}

/** Records a successful refresh; a refresh token the server rotated replaces the stored one. */
export async function recordRefresh(
  pool: pg.Pool,
  keys: EncryptionKeys,
  departmentId: string,
  expiresAt: Date,
  newRefreshToken: string | undefined,
): Promise<void> {
  await pool.query(
    `UPDATE federation.oauth_credentials SET token_expires_at = $2, last_refreshed_at = now(),
       refresh_token_encrypted = CASE WHEN $3::text IS NULL THEN refresh_token_encrypted
                                 ELSE pgp_sym_encrypt($3, $4, $6) END
     WHERE department_id = $1 AND key_id = $5`,
    [departmentId, expiresAt, newRefreshToken ?? null, keyFor(keys, keys.currentId), keys.currentId, PGP_OPTIONS],
  );
}

/** Deletes the department's rows, except those of the services in `keep`; returns how many went. */
export async function deleteCredentials(pool: pg.Pool, departmentId: string, keep: string[] = []): Promise<number> {
  const { rowCount } = await pool.query(
    'DELETE FROM federation.oauth_credentials WHERE department_id = $1 AND NOT (service_name = ANY($2::text[]))',
    [departmentId, keep],
  );
  return rowCount ?? 0;
}

/**
 * Re-encrypts every row not under the current key, or not under OAUTH_CIPHER (rows migration 0009 marked aes128),
 * with the current key and cipher, in one transaction; returns how many rows.
 */
export async function rotateEncryptionKey(pool: pg.Pool, keys: EncryptionKeys): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ key_id: string }>(
      `SELECT key_id FROM federation.oauth_credentials
        WHERE key_id IS DISTINCT FROM $1 OR cipher_algo IS DISTINCT FROM $2 FOR UPDATE`,
      [keys.currentId, OAUTH_CIPHER],
    );
    let rotated = 0;
    for (const oldId of new Set(rows.map((r) => r.key_id))) {
      const result = await client.query(
        `UPDATE federation.oauth_credentials SET
           oauth_client_secret_encrypted = pgp_sym_encrypt(pgp_sym_decrypt(oauth_client_secret_encrypted, $1), $2, $5),
           refresh_token_encrypted = CASE WHEN refresh_token_encrypted IS NULL THEN NULL
             ELSE pgp_sym_encrypt(pgp_sym_decrypt(refresh_token_encrypted, $1), $2, $5) END,
           key_id = $3, cipher_algo = $6
         WHERE key_id = $4 AND (key_id IS DISTINCT FROM $3 OR cipher_algo IS DISTINCT FROM $6)`,
        [keyFor(keys, oldId), keyFor(keys, keys.currentId), keys.currentId, oldId, PGP_OPTIONS, OAUTH_CIPHER],
      );
      rotated += result.rowCount ?? 0;
    }
    await client.query('COMMIT');
    return rotated;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
