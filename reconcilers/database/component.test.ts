import { KubeConfig } from '@kubernetes/client-node';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { departmentObject, testContext } from '../../e2e/support/database.ts';
import { TerminalError } from '../component.ts';
import { createDatabaseComponent } from './component.ts';

/** A pool that fails the test if anything reaches it. */
function untouchablePool(): pg.Pool {
  const refuse = () => {
    throw new Error('SQL reached Postgres');
  };
  return { query: refuse, connect: refuse } as unknown as pg.Pool;
}

describe('database component', () => {
  const component = createDatabaseComponent({
    pool: untouchablePool(),
    endpoint: { host: 'db', port: 5432, database: 'federation' },
  });

  it.each(['hr"; DROP ROLE x; --', "hr'--", 'hr;select'])('does stop %j before any SQL', async (name) => {
    const ctx = testContext(new KubeConfig(), departmentObject(name));
    await expect(component.apply(ctx)).rejects.toBeInstanceOf(TerminalError);
    await expect(component.delete(ctx)).rejects.toBeInstanceOf(TerminalError);
  });

  it('does refuse a schema-version pin outside the shipped migrations', async () => {
    const department = departmentObject('hr');
    department.metadata.annotations = { 'federation.synrg.io/tenant-schema-version': '99' };
    await expect(component.apply(testContext(new KubeConfig(), department))).rejects.toMatchObject({
      reason: 'InvalidSchemaVersion',
    });
  });
});
