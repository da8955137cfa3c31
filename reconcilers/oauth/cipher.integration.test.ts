import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../controller/platform/database/federation-migrate.ts';
import { tenantSchemaFor } from '../../crds/names.ts';
import { createTestDatabase, type TestDatabase } from '../../e2e/support/database.ts';
import { encryptionKeys } from './encryption-keys.ts';
import { ensurePgcrypto, readCredential, rotateEncryptionKey, upsertCredential } from './store.ts';

const NAME = `ci-${randomBytes(3).toString('hex')}`;
const KEY = randomBytes(32).toString('hex');
const keys = encryptionKeys('k1', { k1: KEY });

/**
 * The symmetric cipher of a pgcrypto message, from its first packet (RFC 4880 §5.3, symmetric-key encrypted
 * session key: tag byte, length, version 4, cipher id): 7 is AES-128, 9 is AES-256.
 */
const CIPHER_OF = `CASE get_byte(oauth_client_secret_encrypted, 3) WHEN 7 THEN 'aes128' WHEN 9 THEN 'aes256' END`;

async function rows(pool: pg.Pool) {
  const { rows } = await pool.query(
    `SELECT service_name, cipher_algo, ${CIPHER_OF} AS packet_cipher,
            pgp_sym_decrypt(oauth_client_secret_encrypted, $2) AS secret,
            pgp_sym_decrypt(refresh_token_encrypted, $2) AS refresh_token
       FROM federation.oauth_credentials WHERE department_id = $1 ORDER BY service_name`,
    [NAME, KEY],
  );
  return rows;
}

describe('OAuth secrets at rest', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    await ensurePgcrypto(db.pool);
    await db.pool.query(
      `INSERT INTO federation.departments (department_id, department_name, tenant_schema, admin_email)
       VALUES ($1, 'Cipher test', $2, 'a@example.com')`,
      [NAME, tenantSchemaFor(NAME)],
    );
  });

  afterAll(async () => {
    await db?.drop([]);
  });

  it('does mark rows written before migration 0009 as aes128, and writes new ones with AES-256', async () => {
    // A row as the store wrote it before 0009 (pgp_sym_encrypt without options), then 0009 itself.
    await db.pool.query('ALTER TABLE federation.oauth_credentials DROP COLUMN cipher_algo');
    await db.pool.query(
      `INSERT INTO federation.oauth_credentials
         (department_id, service_name, oauth_client_id, oauth_client_secret_encrypted, refresh_token_encrypted, key_id)
       VALUES ($1, 'gmail', 'client-old', pgp_sym_encrypt('secret-old', $2), pgp_sym_encrypt('refresh-old', $2), 'k1')`,
      [NAME, KEY],
    );
    const migration = readFileSync(join(MIGRATIONS_FOLDER, '0009_oauth_aes256.sql'), 'utf8');
    for (const statement of migration.split('--> statement-breakpoint')) await db.pool.query(statement);

    await upsertCredential(db.pool, keys, {
      departmentId: NAME,
      service: 'google_drive',
      clientId: 'client-new',
      clientSecret: 'secret-new',
      refreshToken: 'refresh-new',
      appName: 'Cipher test',
      scopes: [],
    });
    expect(await rows(db.pool)).toEqual([
      {
        service_name: 'gmail',
        cipher_algo: 'aes128',
        packet_cipher: 'aes128',
        secret: 'secret-old',
        refresh_token: 'refresh-old',
      },
      {
        service_name: 'google_drive',
        cipher_algo: 'aes256',
        packet_cipher: 'aes256',
        secret: 'secret-new',
        refresh_token: 'refresh-new',
      },
    ]);
    expect((await readCredential(db.pool, keys, NAME, 'gmail'))?.clientSecret).toBe('secret-old');
  });

  it('does re-encrypt the aes128 rows under the same key with AES-256, once', async () => {
    expect(await rotateEncryptionKey(db.pool, keys)).toBe(1);
    expect(await rotateEncryptionKey(db.pool, keys)).toBe(0);
    expect((await rows(db.pool)).map((r) => [r.service_name, r.cipher_algo, r.packet_cipher, r.secret])).toEqual([
      ['gmail', 'aes256', 'aes256', 'secret-old'],
      ['google_drive', 'aes256', 'aes256', 'secret-new'],
    ]);
    const { rows: refresh } = await db.pool.query(
      `SELECT CASE get_byte(refresh_token_encrypted, 3) WHEN 9 THEN 'aes256' END AS c
         FROM federation.oauth_credentials WHERE department_id = $1`,
      [NAME],
    );
    expect(refresh.map((r) => r.c)).toEqual(['aes256', 'aes256']);
  });
});
