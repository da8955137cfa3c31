import { describe, expect, it } from 'vitest';
import { TENANT_TABLE_NAMES } from '../../crds/tenant-tables.ts';
import { tenantNames } from './names.ts';
import { LATEST_VERSION, plan, TENANT_MIGRATIONS } from './tenant-migrations.ts';
import { indexName, TENANT_TABLES } from './tenant-tables/index.ts';

describe('TENANT_TABLES', () => {
  it('does define exactly the 24 tables of the seed', () => {
    expect(TENANT_TABLE_NAMES).toHaveLength(24);
    expect(TENANT_TABLES.map((t) => t.name).sort()).toEqual([...TENANT_TABLE_NAMES].sort());
  });

  it('does keep every index name within 63 characters and unique', () => {
    const names = TENANT_TABLES.flatMap((t) => Object.keys(t.indexes).map((s) => indexName(t.name, s)));
    expect(names.every((n) => n.length <= 63)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it('does give documents, emails and contacts a full-text index', () => {
    for (const name of ['drive_document_repository', 'email_logs', 'contacts']) {
      const table = TENANT_TABLES.find((t) => t.name === name);
      expect(table?.indexes.search).toBe('USING gin (search_vector)');
      expect(table?.crossDeptQueryType).toBeDefined();
    }
  });

  it('does store no plaintext API key', () => {
    const apiKeys = TENANT_TABLES.find((t) => t.name === 'api_keys')?.columns.join('\n') ?? '';
    expect(apiKeys).toMatch(/key_hash CHAR\(64\)/);
    expect(apiKeys).not.toMatch(/^\s*(key|api_key|secret)\s/m);
  });
});

describe('plan', () => {
  it('does apply ups in order and downs in reverse', () => {
    expect(plan(TENANT_MIGRATIONS, 0, LATEST_VERSION).map((s) => s.migration.version)).toEqual([1, 2, 3, 4]);
    expect(plan(TENANT_MIGRATIONS, 3, 1).map((s) => [s.direction, s.migration.version])).toEqual([
      ['down', 3],
      ['down', 2],
    ]);
    expect(plan(TENANT_MIGRATIONS, 2, 2)).toEqual([]);
  });

  it('does render SQL that quotes every tenant identifier', () => {
    const sql = TENANT_MIGRATIONS.map((m) => m.up(tenantNames('human-resources'))).join('\n');
    expect(sql).toContain('CREATE TABLE "dept_human_resources"."tool_calls"');
    expect(sql).toContain(`TO "dept_human_resources_role" USING (department_id = 'human-resources')`);
    expect(sql).not.toMatch(/[^"]dept_human_resources\./);
  });
});
