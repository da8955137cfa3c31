import { describe, expect, it } from 'vitest';
import { tenantNames } from './names.ts';
import { LATEST_VERSION, plan, TENANT_MIGRATIONS } from './tenant-migrations.ts';
import { indexName, TENANT_TABLES } from './tenant-tables/index.ts';

const SEED_TABLES = [
  'tool_calls',
  'session_context',
  'agent_context',
  'conversation_history',
  'drive_document_repository',
  'drive_access_log',
  'vector_store_embeddings',
  'file_attachments',
  'email_logs',
  'calendar_events',
  'contacts',
  'notifications',
  'user_session_analytics',
  'training_metrics',
  'llm_usage_logs',
  'stt_usage_logs',
  'tts_usage_logs',
  'workflow_executions',
  'scheduled_tasks',
  'error_logs',
  'user_preferences',
  'api_keys',
  'feature_flags',
  'audit_trail',
];

describe('TENANT_TABLES', () => {
  it('does define exactly the 24 tables of the seed', () => {
    expect(TENANT_TABLES.map((t) => t.name).sort()).toEqual([...SEED_TABLES].sort());
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
    expect(plan(TENANT_MIGRATIONS, 0, LATEST_VERSION).map((s) => s.migration.version)).toEqual([1, 2, 3]);
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
