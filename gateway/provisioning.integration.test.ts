import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiError, RestClient } from '../controller/platform/kube/rest-client.ts';
import { paths } from '../controller/runtime/kube-api.ts';
import { apiPaths } from '../crds/api-paths.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { gatewayKubeconfig } from '../e2e/testenv/service-account.ts';
import type { DepartmentObject } from '../reconcilers/component.ts';
import { kubeDepartmentClient } from './provisioning/department-client.ts';

describe('provisioning facade (as the gateway ServiceAccount)', () => {
  let t: GatewayTestbed;
  let sa: KubeConfig;
  let departments: ReturnType<typeof kubeDepartmentClient>;
  let app: ReturnType<GatewayTestbed['app']>;
  const name = `gwprov-${randomBytes(3).toString('hex')}`;

  async function call(method: string, path: string, token: string, body?: unknown) {
    const res = await app.request(`http://localhost${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { res, body: (await res.json()) as Record<string, unknown> };
  }
  const request = (extra: Record<string, unknown> = {}) => ({
    department_id: name,
    department_name: 'Gateway Provisioned',
    enabled_tools: ['database', 'email'],
    admin_email: 'admin@example.com',
    rate_limit_per_minute: 30,
    ...extra,
  });

  beforeAll(async () => {
    t = await startTestbed({ kubeconfig: inject('kubeconfig'), databaseUrl: inject('databaseUrl'), prefixes: [] });
    sa = new KubeConfig();
    sa.loadFromFile(
      await gatewayKubeconfig(inject('kubeconfig'), join(mkdtempSync(join(tmpdir(), 'gw-sa-')), 'kubeconfig')),
    );
    departments = kubeDepartmentClient(sa);
    app = t.app({ departments, reportError: (err) => console.error((err as Error).message) });
  });

  afterAll(async () => {
    await t?.kube.delete(apiPaths.department(name)).catch(() => {});
    departments?.close();
    await t?.stop();
  });

  it('does round-trip a Department through the real API server', async () => {
    const admin = await t.token('platform', 'admin', { subject: 'alice' });
    const created = await call('POST', '/api/v1/provision-department', admin, request());
    expect(created.res.status).toBe(202);
    expect(created.body).toMatchObject({ department_id: name, status: 'PROVISIONING' });
    const id = created.body.provisioning_id as string;
    expect(created.body.status_url).toBe(`/api/v1/provision-status/${id}`);

    const stored = await t.kube.get<DepartmentObject>(apiPaths.department(name));
    expect(stored.metadata.uid).toBe(id);
    expect(stored.spec).toMatchObject({
      displayName: 'Gateway Provisioned',
      adminEmail: 'admin@example.com',
      enabledTools: ['database', 'email'],
      gateway: { rateLimitPerMinute: 30 },
      deletionPolicy: 'Delete',
    });

    const status = await call('GET', `/api/v1/provision-status/${id}`, admin);
    expect(status.res.status).toBe(200);
    expect(status.body).toMatchObject({
      provisioning_id: id,
      department_id: name,
      status: 'PROVISIONING',
      progress: { database: 'pending', railway: 'pending', docker: 'pending', n8n: 'pending', oauth: 'pending' },
    });

    const again = await call('POST', '/api/v1/provision-department', admin, request());
    expect(again.res.status).toBe(409);

    const deleted = await call('DELETE', `/api/v1/deprovision/${name}`, admin);
    expect(deleted.res.status).toBe(202);
    expect(deleted.body).toMatchObject({ department_id: name, status: 'DEPROVISIONING' });
    const gone = await call('GET', `/api/v1/provision-status/${id}`, admin);
    expect([200, 404]).toContain(gone.res.status); // 404 once the API server removed it (no controller here)

    const { rows } = await t.db.pool.query(
      "SELECT query_type, outcome FROM federation.cross_dept_audit WHERE source_department_id = 'platform' ORDER BY created_at",
    );
    expect(rows.map((r) => `${r.query_type}:${r.outcome}`).slice(0, 4)).toEqual([
      'provision_department:allowed',
      'provision_status:allowed',
      'provision_department:denied',
      'deprovision_department:allowed',
    ]);
  });

  it('does pass the API server’s refusal back as a 400 naming the field', async () => {
    const admin = await t.token('platform', 'admin', { subject: 'bob' });
    const res = await call(
      'POST',
      '/api/v1/provision-department',
      admin,
      request({ department_id: '9-starts-with-a-digit' }),
    );
    expect(res.res.status).toBe(400);
    expect(res.res.headers.get('content-type')).toBe('application/problem+json');
    expect(String(res.body.detail)).toContain('metadata.name');
  });

  it('does validate with the Department schema before calling the API server', async () => {
    const admin = await t.token('platform', 'admin', { subject: 'carol' });
    const email = await call('POST', '/api/v1/provision-department', admin, request({ admin_email: 'not-an-email' }));
    expect(email.res.status).toBe(400);
    expect(String(email.body.detail)).toContain('admin_email');
    const limit = await call('POST', '/api/v1/provision-department', admin, request({ rate_limit_per_minute: 0 }));
    expect(limit.res.status).toBe(400);
    expect(String(limit.body.detail)).toContain('gateway.rateLimitPerMinute');
  });

  describe('with the department’s OAuth client', () => {
    const oauthName = `gwoauth-${randomBytes(3).toString('hex')}`;
    const secretPath = (n: string) => `${paths.namespacedSecrets('federation-oauth-clients')}/${n}-google-oauth`;
    const clientSecret = `client-secret-${randomBytes(8).toString('hex')}`;
    const withClient = (n: string, oauth_client: unknown) =>
      request({ department_id: n, enabled_tools: ['email', 'database'], oauth_client });
    const exists = (path: string) =>
      t.kube.get(path).then(
        () => true,
        () => false,
      );

    afterAll(async () => {
      for (const n of [oauthName, `${oauthName}-b`, `${oauthName}-c`]) {
        await t?.kube.delete(apiPaths.department(n)).catch(() => {});
        await t?.kube.delete(secretPath(n)).catch(() => {});
      }
    });

    it('does store the client as a labelled Secret owned by the Department, which names it', async () => {
      const admin = await t.token('platform', 'admin', { subject: 'erin' });
      const created = await call(
        'POST',
        '/api/v1/provision-department',
        admin,
        withClient(oauthName, { client_id: 'id.apps.googleusercontent.com', client_secret: clientSecret }),
      );
      expect(created.res.status, JSON.stringify(created.body)).toBe(202);
      expect(JSON.stringify(created.body)).not.toContain(clientSecret);
      const stored = await t.kube.get<DepartmentObject>(apiPaths.department(oauthName));
      expect(stored.spec.oauth).toEqual({
        secretRef: { name: `${oauthName}-google-oauth`, namespace: 'federation-oauth-clients' },
      });
      const secret = await t.kube.get<{
        metadata: { labels: Record<string, string>; ownerReferences: { kind: string; uid: string }[] };
        type: string;
        data: Record<string, string>;
      }>(secretPath(oauthName));
      expect(secret.type).toBe('Opaque');
      expect(secret.metadata.labels['federation.synrg.io/department']).toBe(oauthName);
      expect(secret.metadata.ownerReferences).toMatchObject([{ kind: 'Department', uid: stored.metadata.uid }]);
      expect(Object.keys(secret.data).sort()).toEqual(['client_id', 'client_secret']);
      expect(Buffer.from(secret.data.client_secret as string, 'base64').toString()).toBe(clientSecret);
    });

    it('does refuse to overwrite an existing Secret, and leaves no Department behind', async () => {
      const admin = await t.token('platform', 'admin', { subject: 'frank' });
      const n = `${oauthName}-b`;
      await t.kube.create(
        paths.namespacedSecrets('federation-oauth-clients'),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `${n}-google-oauth`, labels: { 'federation.synrg.io/department': n } },
          stringData: { client_id: 'operator', client_secret: 'operator-secret' },
        },
        'test',
      );
      const res = await call(
        'POST',
        '/api/v1/provision-department',
        admin,
        withClient(n, { client_id: 'x', client_secret: clientSecret }),
      );
      expect(res.res.status).toBe(409);
      expect(res.res.headers.get('content-type')).toBe('application/problem+json');
      expect(String(res.body.detail)).toContain('oauth_client.secret_ref');
      const kept = await t.kube.get<{ data: Record<string, string> }>(secretPath(n));
      expect(Buffer.from(kept.data.client_secret as string, 'base64').toString()).toBe('operator-secret');
      const gone = await t.kube.get<DepartmentObject>(apiPaths.department(n)).catch(() => undefined);
      expect(gone === undefined || gone.metadata.deletionTimestamp !== undefined).toBe(true);
    });

    it('does name an existing Secret without creating one', async () => {
      const admin = await t.token('platform', 'admin', { subject: 'grace' });
      const n = `${oauthName}-c`;
      const res = await call(
        'POST',
        '/api/v1/provision-department',
        admin,
        withClient(n, { secret_ref: { name: 'hr-shared' } }),
      );
      expect(res.res.status, JSON.stringify(res.body)).toBe(202);
      const stored = await t.kube.get<DepartmentObject>(apiPaths.department(n));
      expect(stored.spec.oauth).toEqual({ secretRef: { name: 'hr-shared', namespace: 'federation-oauth-clients' } });
      expect(await exists(secretPath(n))).toBe(false);
    });

    it('does refuse a malformed client with a problem naming the field, never echoing the secret', async () => {
      const admin = await t.token('platform', 'admin', { subject: 'heidi' });
      for (const bad of [
        { client_id: '', client_secret: clientSecret },
        { client_id: 'id', client_secret: clientSecret, token_uri: 'http://169.254.169.254/' },
        { client_secret: clientSecret },
        { secret_ref: { name: 'Not A Name' } },
        clientSecret,
      ]) {
        const n = `${oauthName}-d`;
        const res = await call('POST', '/api/v1/provision-department', admin, withClient(n, bad));
        expect(res.res.status, JSON.stringify(bad)).toBe(400);
        expect(res.res.headers.get('content-type')).toBe('application/problem+json');
        expect(String(res.body.detail)).toContain('oauth_client');
        expect(JSON.stringify(res.body)).not.toContain(clientSecret);
        expect(await exists(apiPaths.department(n))).toBe(false);
      }
    });
  });

  it('does limit provisioning to 5 per hour per caller', async () => {
    const admin = await t.token('platform', 'admin', { subject: `dave-${randomBytes(2).toString('hex')}` });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await call('POST', '/api/v1/provision-department', admin, { bad: true })).res.status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
  });

  it('does give the gateway ServiceAccount nothing beyond Departments and creating OAuth client Secrets', async () => {
    const rest = new RestClient(sa);
    try {
      for (const path of [
        apiPaths.departments,
        '/api/v1/namespaces/federation-system/secrets',
        '/api/v1/namespaces/federation-oauth-clients/secrets',
        '/api/v1/namespaces/federation-oauth-clients/secrets/hr-google-oauth',
        apiPaths.grants,
      ]) {
        const err = await rest.get(path).catch((e: unknown) => e);
        expect(err, path).toBeInstanceOf(ApiError);
        expect((err as ApiError).code, path).toBe(403);
      }
    } finally {
      rest.close();
    }
  });
});
