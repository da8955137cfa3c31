import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { upsertDepartmentRow } from '../../controller/platform/database/federation-records.ts';
import { namespaceFor } from '../../crds/names.ts';
import { createTestDatabase, type TestDatabase } from '../../e2e/support/database.ts';
import {
  contextFor,
  createDepartment,
  mergeStatus,
  n8nCredentialNames,
  provisionTenant,
  type Recorded,
  writeOAuthSecret,
} from '../../e2e/support/workflows.ts';
import { type RunningN8n, startN8n } from '../../e2e/testenv/n8n.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import type { Component, DepartmentObject } from '../component.ts';
import { tenantNames } from '../database/names.ts';
import { createOAuthComponent } from '../oauth/component.ts';
import { encryptionKeys } from '../oauth/encryption-keys.ts';
import { N8nClient } from './client.ts';
import { createWorkflowsComponent, type WorkflowsComponentOptions } from './component.ts';
import { departmentTag } from './tags.ts';

const suffix = randomBytes(3).toString('hex');
const C = `wfc-${suffix}`;
const D = `wfd-${suffix}`;
const KINDS = ['Gmail', 'PostgreSQL', 'Webhook auth'];

/** Faults between n8n and the workflows component: interrupted reconciles, a stalled n8n, an outage. */
describe('workflows component under faults', () => {
  let n8n: RunningN8n;
  let kc: KubeConfig;
  let client: N8nClient;
  let oauth: Component;
  let db: TestDatabase;
  const depts: Record<string, DepartmentObject> = {};
  const recorded: Recorded = { events: [], logs: [] };
  /** The next request starting with this (`METHOD /path`) fails as if the controller died right there. */
  let crashAt: string | undefined;
  let stopped = false;

  const component = (extra: Partial<WorkflowsComponentOptions> = {}) =>
    createWorkflowsComponent({
      n8nUrl: n8n.url,
      apiKey: n8n.apiKey,
      requestTimeoutMs: 3_000,
      health: { timeoutMs: 1_000, unhealthyTtlMs: 0 },
      ...extra,
      onRequest: (method, path) => {
        extra.onRequest?.(method, path);
        if (crashAt && `${method} ${path}`.startsWith(crashAt)) {
          crashAt = undefined;
          throw new Error('the controller died here');
        }
      },
    });
  const apply = async (name: string, workflows: Component) => {
    const dept = depts[name] as DepartmentObject;
    const oauthResult = await oauth.apply(contextFor(kc, dept, recorded));
    const result = await workflows.apply(contextFor(kc, dept, recorded, { oauth: oauthResult.outputs ?? {} }));
    mergeStatus(dept, result);
    return result;
  };
  const credentialsOf = (name: string) => n8nCredentialNames(inject('databaseUrl'), n8n.database.name, `${name} · `);
  const kindsOf = async (name: string) => (await credentialsOf(name)).map((c) => c.split(' · ')[1]).sort();
  const stop = () => {
    process.kill(n8n.pid, 'SIGSTOP');
    stopped = true;
  };
  const resume = () => {
    if (stopped) process.kill(n8n.pid, 'SIGCONT');
    stopped = false;
  };

  beforeAll(async () => {
    kc = new KubeConfig();
    kc.loadFromFile(inject('kubeconfig'));
    db = await createTestDatabase(inject('databaseUrl'));
    n8n = await startN8n({ databaseUrl: inject('databaseUrl') });
    client = new N8nClient({ url: n8n.url, apiKey: n8n.apiKey });
    oauth = createOAuthComponent({
      pool: db.pool,
      keys: encryptionKeys('k1', { k1: randomBytes(32).toString('hex') }),
    });
    for (const name of [C, D]) {
      await provisionTenant(kc, db.url, name, ['row']);
      const ref = { name: 'google-oauth', namespace: namespaceFor(name) };
      await writeOAuthSecret(kc, ref, { client_id: `${name}.apps`, client_secret: randomBytes(12).toString('hex') });
      depts[name] = await createDepartment(kc, name, {
        displayName: name,
        adminEmail: `admin@${name}.example.com`,
        enabledTools: ['database', 'email'],
        oauth: { secretRef: ref },
      });
      await upsertDepartmentRow(db.pool, depts[name] as DepartmentObject, tenantNames(name), 'ACTIVE');
    }
  });

  afterEach(() => {
    resume();
    crashAt = undefined;
  });

  afterAll(async () => {
    resume();
    await n8n?.stop();
    await db?.drop([]);
  });

  it('leaves exactly one credential per kind when a reconcile dies between creating the credentials and using them', async () => {
    crashAt = 'POST /workflows';
    await expect(apply(C, component())).rejects.toThrow('the controller died here');
    const created = await credentialsOf(C);
    expect(created).toHaveLength(3);
    expect(await client.listWorkflows(departmentTag(C))).toEqual([]); // nothing references them yet

    expect((await apply(C, component())).condition.status).toBe('True');
    expect(await credentialsOf(C)).toEqual(created); // found again by name and reused, none created twice
    expect(await kindsOf(C)).toEqual(KINDS);
  });

  it('leaves exactly one credential per kind when n8n stalls as the first credential is created (SIGSTOP, SIGCONT)', async () => {
    let stallOnCreate = true;
    const stalling = component({
      onRequest: (method, path) => {
        if (stallOnCreate && method === 'POST' && path === '/credentials') {
          stallOnCreate = false;
          stop();
        }
      },
    });
    const during = await apply(D, stalling);
    expect(during.condition).toMatchObject({ status: 'Unknown', reason: 'N8nUnavailable' });
    resume();
    // The creates n8n received while stopped land now, after the controller gave up on them.
    await waitFor(async () => (await credentialsOf(D)).length === 3, {
      timeoutMs: 30_000,
      describe: () => 'the stalled creates never landed',
    });
    const landed = await credentialsOf(D);
    expect((await apply(D, stalling)).condition.status).toBe('True');
    expect(await credentialsOf(D)).toEqual(landed);
    expect(await kindsOf(D)).toEqual(KINDS);
  });

  it('deletes the old credential when a rotation died after the workflows moved to the new one', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const secret = await core.readNamespacedSecret({ name: 'database', namespace: namespaceFor(C) });
    const rotated = { ...secret, metadata: { ...secret.metadata, annotations: { rotated: String(Date.now()) } } };
    await core.replaceNamespacedSecret({ name: 'database', namespace: namespaceFor(C), body: rotated });
    crashAt = 'DELETE /credentials';
    await expect(apply(C, component())).rejects.toThrow('the controller died here');
    expect((await kindsOf(C)).filter((k) => k === 'PostgreSQL')).toHaveLength(2);

    expect((await apply(C, component())).condition.status).toBe('True');
    expect(await kindsOf(C)).toEqual(KINDS);
  });

  it('reports a stopped n8n once for all departments, as Unknown rather than failed, and its recovery once', async () => {
    let probes = 0;
    const watcher = component({
      // Probe on every reconcile while healthy, so that the outage is seen by the probe, not by an API call.
      health: { timeoutMs: 1_000, healthyTtlMs: 0, unhealthyTtlMs: 2_000 },
      onRequest: (_, path) => void (path === '/healthz/readiness' && probes++),
    });
    for (const name of [C, D]) expect((await apply(name, watcher)).condition.status).toBe('True');
    recorded.events.length = 0;
    probes = 0;
    stop();
    const down = await Promise.all([C, D].map((name) => apply(name, watcher)));
    for (const result of down) {
      expect(result.condition).toMatchObject({ status: 'Unknown', reason: 'N8nUnavailable' });
      expect(result.condition.message).toContain('does not answer');
    }
    expect(probes).toBe(1); // one shared probe, not one per department
    resume();
    await waitFor(
      async () =>
        (await Promise.all([C, D].map((name) => apply(name, watcher)))).every((r) => r.condition.status === 'True'),
      { timeoutMs: 30_000, intervalMs: 500, describe: () => 'the departments did not recover with n8n' },
    );
    const reasons = recorded.events.map((e) => e.reason);
    expect(reasons.filter((r) => r === 'N8nUnavailable')).toHaveLength(1);
    expect(reasons.filter((r) => r === 'N8nRecovered')).toHaveLength(1);
  });

  it('removes every credential of a deleted department, also one no record knows of', async () => {
    await client.createCredential(`${D} · PostgreSQL · 0123456789ab`, 'httpHeaderAuth', { name: 'X', value: 'y' });
    for (const name of [C, D]) {
      const result = await component().delete(contextFor(kc, depts[name] as DepartmentObject, recorded));
      expect(result.condition.reason).toBe('WorkflowsDeleted');
      expect(await credentialsOf(name)).toEqual([]);
      expect(await client.listWorkflows(departmentTag(name))).toEqual([]);
    }
  });
});
