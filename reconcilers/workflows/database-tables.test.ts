import { describe, expect, it } from 'vitest';
import { TENANT_TABLES } from '../database/tenant-tables/index.ts';
import { DATABASE_TOOL_TABLES } from './database-tables.ts';

describe('DATABASE_TOOL_TABLES', () => {
  it('does list only tables every tenant schema has, and all of them but api_keys', () => {
    const tenant = TENANT_TABLES.map((t) => t.name);
    expect([...DATABASE_TOOL_TABLES].sort()).toEqual(tenant.filter((t) => t !== 'api_keys').sort());
  });

  it('does hold only plain identifiers, so the list can sit in a template as text', () => {
    for (const t of DATABASE_TOOL_TABLES) expect(t).toMatch(/^[a-z_]+$/);
  });
});
