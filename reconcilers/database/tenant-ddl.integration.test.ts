import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createNamespace,
  createTestDatabase,
  departmentObject,
  kubeConfigFrom,
  randomDepartment,
  type TestDatabase,
  testContext,
} from '../../e2e/support/database.ts';
import { createDatabaseComponent } from './component.ts';
import { tenantNames } from './names.ts';
import { SEARCH_TABLES } from './tenant-ddl.ts';
import { TENANT_MIGRATIONS } from './tenant-migrations.ts';

/** 400 different words: a tsvector of about 5 kB, which the default storage would move out of the row. */
const LONG_TEXT = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}x${(i * 7919).toString(36)}`).join(' ');

describe('search vector storage', () => {
  let db: TestDatabase;
  const latest = randomDepartment('docs');
  const before = randomDepartment('older');

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    const kc = kubeConfigFrom(inject('kubeconfig'));
    const migrations = TENANT_MIGRATIONS.filter((m) => m.name !== 'search_vectors_in_row');
    for (const [name, component] of [
      [latest, createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint })],
      [before, createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint, migrations })],
    ] as const) {
      await createNamespace(kc, name);
      await component.apply(testContext(kc, departmentObject(name)));
      await db.pool.query(
        `INSERT INTO ${tenantNames(name).schema}.drive_document_repository (drive_file_id, drive_folder_id, extracted_text)
         VALUES ('long', 'f', $1)`,
        [LONG_TEXT],
      );
    }
  });

  afterAll(async () => {
    await db?.drop([latest, before]);
  });

  /** Whether the row's search_vector sits in the TOAST table rather than in the row. */
  async function outOfRow(department: string): Promise<boolean> {
    const { rows } = await db.pool.query<{ toasted: boolean }>(
      `SELECT pg_column_toast_chunk_id(search_vector) IS NOT NULL AS toasted
         FROM ${tenantNames(department).schema}.drive_document_repository WHERE drive_file_id = 'long'`,
    );
    return rows[0]?.toasted as boolean;
  }

  it('does keep a long document’s search vector in its row, where ranking reads it without a TOAST lookup', async () => {
    expect(await outOfRow(latest)).toBe(false);
    expect(await outOfRow(before)).toBe(true);
  });

  it('does set the storage of every searched table', async () => {
    const { rows } = await db.pool.query<{ table: string; storage: string }>(
      `SELECT c.relname AS table, a.attstorage AS storage FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND a.attname = 'search_vector' ORDER BY 1`,
      [tenantNames(latest).schema],
    );
    expect(rows).toEqual(
      SEARCH_TABLES.map((t) => ({ table: t.name, storage: 'm' })).sort((a, b) => a.table.localeCompare(b.table)),
    );
  });
});
