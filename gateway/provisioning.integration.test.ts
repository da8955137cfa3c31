import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DepartmentObject } from '../controller/core/component.ts';
import { paths } from '../controller/core/kube-api.ts';
import { ApiError, RestClient } from '../controller/platform/kube/rest-client.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { gatewayKubeconfig } from '../e2e/testenv/service-account.ts';
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
    await t?.kube.delete(paths.department(name)).catch(() => {});
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

    const stored = await t.kube.get<DepartmentObject>(paths.department(name));
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

  it('does limit provisioning to 5 per hour per caller', async () => {
    const admin = await t.token('platform', 'admin', { subject: `dave-${randomBytes(2).toString('hex')}` });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await call('POST', '/api/v1/provision-department', admin, { bad: true })).res.status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
  });

  it('does give the gateway ServiceAccount nothing beyond create, get and delete of Departments', async () => {
    const rest = new RestClient(sa);
    try {
      for (const path of [paths.departments, '/api/v1/namespaces/federation-system/secrets', paths.grants]) {
        const err = await rest.get(path).catch((e: unknown) => e);
        expect(err, path).toBeInstanceOf(ApiError);
        expect((err as ApiError).code, path).toBe(403);
      }
    } finally {
      rest.close();
    }
  });
});
