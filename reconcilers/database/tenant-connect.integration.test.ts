import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { namespaceFor } from '../../crds/names.ts';
import {
  createNamespace,
  createTestDatabase,
  departmentObject,
  kubeConfigFrom,
  type RecordedEvent,
  randomDepartment,
  type TestDatabase,
  testContext,
} from '../../e2e/support/database.ts';
import { createN8nDatabase, dropN8nDatabase, type N8nDatabase } from '../../e2e/testenv/n8n-database.ts';
import type { Component } from '../component.ts';
import { createDatabaseComponent } from './component.ts';
import { tenantNames } from './names.ts';

const hr = randomDepartment('connect-hr');
const HR = tenantNames(hr);

describe('database component CONNECT confinement', () => {
  const superuserUrl = inject('databaseUrl');
  const kc = kubeConfigFrom(inject('kubeconfig'));
  let db: TestDatabase;
  let component: Component;
  let n8n: N8nDatabase;
  const other = `other_${randomBytes(4).toString('hex')}`;
  const created: string[] = [hr];

  async function password(): Promise<string> {
    const secret = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: 'database', namespace: namespaceFor(hr) });
    return Buffer.from(secret.data?.password ?? '', 'base64').toString();
  }

  /** Logs in as the tenant role to `database`: the SQLSTATE of the refusal, or 'connected'. */
  async function connectTo(database: string): Promise<string> {
    const client = new pg.Client({ ...db.endpoint, database, user: HR.role, password: await password() });
    try {
      await client.connect();
      return 'connected';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async function reconcile(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    const result = await component.apply(testContext(kc, departmentObject(hr), events));
    expect(result.condition, result.condition.message).toMatchObject({ status: 'True', reason: 'Provisioned' });
    return events;
  }

  beforeAll(async () => {
    db = await createTestDatabase(superuserUrl);
    component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
    await createNamespace(kc, hr);
    await reconcile();
    n8n = await createN8nDatabase(superuserUrl);
    await db.pool.query(`CREATE DATABASE ${other}`);
    await db.pool.query(`REVOKE ALL ON DATABASE ${other} FROM PUBLIC`);
  });

  afterAll(async () => {
    if (n8n) await dropN8nDatabase(superuserUrl, n8n);
    await db?.pool.query(`DROP DATABASE IF EXISTS ${other} WITH (FORCE)`);
    await db?.drop(created);
  });

  it('does connect to the platform’s database', async () => {
    expect(await connectTo(db.endpoint.database)).toBe('connected');
  });

  it('does not connect to n8n’s database, as the platform creates it', async () => {
    // 42501: permission denied for database (CONNECT), whatever pg_hba.conf allows.
    expect(await connectTo(n8n.name)).toBe('42501');
  });

  it('does revoke privileges on another database granted to the tenant role', async () => {
    await db.pool.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${other} TO ${HR.role}`);
    expect(await connectTo(other)).toBe('connected');
    const events = await reconcile();
    expect(events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'DriftRepaired' })]);
    expect(events[0]?.note).toContain(`had privileges on database ${other}`);
    expect(await connectTo(other)).toBe('42501');
  });

  it('does provision and delete departments in parallel, though they all change the one database ACL', async () => {
    // Concurrent GRANTs on one database fail with "tuple concurrently updated" unless they take turns.
    const many = Array.from({ length: 8 }, () => randomDepartment('connect-many'));
    created.push(...many);
    await Promise.all(many.map((d) => createNamespace(kc, d)));
    const results = await Promise.allSettled(many.map((d) => component.apply(testContext(kc, departmentObject(d)))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // Dropping their roles revokes their CONNECT: the same ACL row again.
    const deleted = await Promise.allSettled(many.map((d) => component.delete(testContext(kc, departmentObject(d)))));
    expect(deleted.filter((r) => r.status === 'rejected')).toEqual([]);
  });

  it('does keep its own CONNECT when PUBLIC may no longer connect to the platform’s database', async () => {
    await db.pool.query(`REVOKE CONNECT ON DATABASE ${db.endpoint.database} FROM PUBLIC`);
    try {
      expect(await reconcile()).toEqual([]);
      expect(await connectTo(db.endpoint.database)).toBe('connected');
    } finally {
      await db.pool.query(`GRANT CONNECT ON DATABASE ${db.endpoint.database} TO PUBLIC`);
    }
  });
});
