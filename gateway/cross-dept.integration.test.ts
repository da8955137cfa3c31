import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { tenantNames } from '../reconcilers/database/names.ts';
import { enterQueryRole, runTenantQuery } from './query/execute.ts';

describe('cross-department query', () => {
  let t: GatewayTestbed;
  let hr: string;
  let sales: string;
  let legal: string;
  let app: ReturnType<GatewayTestbed['app']>;

  async function query(token: string, body: unknown) {
    const res = await app.request('http://localhost/api/v1/cross-dept/query', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { res, body: (await res.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['hr', 'sales', 'legal'],
    });
    [hr, sales, legal] = t.departments as [string, string, string];
    app = t.app();
    await t.seedDocuments(sales, [
      { id: 's1', name: 'Q4 revenue report', text: 'Sales revenue grew in Q4 across every region.' },
      { id: 's2', name: 'Hiring plan', text: 'We plan to hire two people.' },
    ]);
    await t.seedDocuments(legal, [
      { id: 'l1', name: 'Contract revenue terms', text: 'Revenue recognition in contracts.' },
    ]);
    await t.db.pool.query(
      `INSERT INTO ${tenantNames(sales).schema}.contacts (name, email) VALUES ('Ann Smith', 'ann@sales.io'), ('100% Bob', 'bob@sales.io')`,
    );
    await t.db.pool.query(
      `INSERT INTO ${tenantNames(sales).schema}.email_logs (message_id, direction, from_address, subject, body)
       VALUES ('m1', 'inbound', 'c@x.io', 'Renewal', 'The customer wants a renewal quote')`,
    );
    await t.grant('hr-sales', { source: hr, target: sales });
    await t.grant('legal-sales', { source: legal, target: sales });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('does answer a granted search with bounded snippets and an audit id', async () => {
    const { res, body } = await query(await t.token(hr), {
      target_department_id: sales,
      query_type: 'search_documents',
      query_params: { query: 'revenue report', limit: 5 },
      requester_context: { session_id: 'sess-1', user_email: 'u@hr.io' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-policy')).toMatch(/"cross-dept";q=\d+;w=60/);
    expect(body).toMatchObject({ success: true, results_count: 1 });
    const [hit] = body.results as Record<string, unknown>[];
    expect(hit).toMatchObject({ id: 's1', title: 'Q4 revenue report' });
    expect(String(hit?.snippet)).toContain('**revenue**');
    expect(hit).not.toHaveProperty('extracted_text');
    const { rows } = await t.db.pool.query('SELECT * FROM federation.cross_dept_audit WHERE id = $1', [body.query_id]);
    expect(rows[0]).toMatchObject({
      source_department_id: hr,
      target_department_id: sales,
      query_type: 'search_documents',
      outcome: 'allowed',
      decision: 'allow',
      success: true,
      results_returned: 1,
      requester_session_id: 'sess-1',
      requester_user_email: 'u@hr.io',
    });
    expect(rows[0].latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('does search emails and match contacts by email or name prefix', async () => {
    const token = await t.token(hr);
    const emails = await query(token, {
      target_department_id: sales,
      query_type: 'search_emails',
      query_params: { query: 'renewal' },
    });
    expect(emails.body.results_count).toBe(1);
    const byEmail = await query(token, {
      target_department_id: sales,
      query_type: 'get_contact',
      query_params: { query: 'ANN@sales.io' },
    });
    expect((byEmail.body.results as { name: string }[]).map((r) => r.name)).toEqual(['Ann Smith']);
    const byName = await query(token, {
      target_department_id: sales,
      query_type: 'get_contact',
      query_params: { query: 'ann' },
    });
    expect(byName.body.results_count).toBe(1);
  });

  it('does treat quotes, semicolons, % and _ as plain text', async () => {
    const token = await t.token(hr);
    for (const text of ["' OR 1=1 --", 'x; DROP TABLE contacts; --', '%', '_', '"; SELECT pg_sleep(1); --']) {
      const { res, body } = await query(token, {
        target_department_id: sales,
        query_type: 'get_contact',
        query_params: { query: text },
      });
      expect(res.status, text).toBe(200);
      expect(body.results_count, text).toBe(0);
    }
    const percent = await query(token, {
      target_department_id: sales,
      query_type: 'get_contact',
      query_params: { query: '100%' },
    });
    expect((percent.body.results as { name: string }[]).map((r) => r.name)).toEqual(['100% Bob']);
    const { rows } = await t.db.pool.query(`SELECT count(*)::int AS n FROM ${tenantNames(sales).schema}.contacts`);
    expect(rows[0].n).toBe(2);
  });

  it('does get nothing from the database when the application check is bypassed', async () => {
    const client = await t.gatewayPool.connect();
    try {
      await client.query('BEGIN');
      await enterQueryRole(client, hr, 'search');
      // legal has no grant from hr: running the fixed SQL directly, skipping the app's grant check.
      const rows = await runTenantQuery(client, legal, {
        query_type: 'search_documents',
        query_params: { query: 'revenue', limit: 50 },
      });
      expect(rows).toEqual([]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('does never mix results of concurrent requests from two departments', async () => {
    await t.seedDocuments(hr, [{ id: 'h1', name: 'HR revenue memo', text: 'revenue of the hr team' }]);
    await t.grant('sales-hr', { source: sales, target: hr });
    await t.grant('sales-legal', { source: sales, target: legal });
    const [hrToken, salesToken] = [await t.token(hr), await t.token(sales)];
    const calls = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? query(hrToken, {
            target_department_id: sales,
            query_type: 'search_documents',
            query_params: { query: 'revenue' },
          }).then((r) => ({ who: 'hr', r }))
        : query(salesToken, {
            target_department_id: i % 4 === 1 ? hr : legal,
            query_type: 'search_documents',
            query_params: { query: 'revenue' },
          }).then((r) => ({ who: i % 4 === 1 ? 'sales-hr' : 'sales-legal', r })),
    );
    for (const { who, r } of await Promise.all(calls)) {
      expect(r.res.status).toBe(200);
      const ids = r.body.results as { id: string }[];
      const expected = { hr: ['s1'], 'sales-hr': ['h1'], 'sales-legal': ['l1'] }[who];
      expect(
        ids.map((x) => x.id),
        who,
      ).toEqual(expected);
    }
  });

  it('does refuse with 403 once the grant is narrower, expired, disabled or deleted, and audit it', async () => {
    const token = await t.token(legal);
    const ask = (type = 'search_documents') =>
      query(token, { target_department_id: sales, query_type: type, query_params: { query: 'revenue' } });
    expect((await ask()).res.status).toBe(200);
    await t.grant('legal-sales', { source: legal, target: sales, queryTypes: ['search_emails'] });
    expect((await ask()).res.status).toBe(403);
    await t.grant('legal-sales', { source: legal, target: sales, permissions: ['read'] });
    expect((await ask()).res.status).toBe(403);
    await t.grant('legal-sales', { source: legal, target: sales, expiresAt: new Date(Date.now() - 1000) });
    const expired = await ask();
    expect(expired.res.status).toBe(403);
    expect(expired.res.headers.get('content-type')).toBe('application/problem+json');
    await t.grant('legal-sales', { source: legal, target: sales, enabled: false });
    expect((await ask()).res.status).toBe(403);
    await t.revokeGrant('legal-sales');
    expect((await ask()).res.status).toBe(403);
    const { rows } = await t.db.pool.query(
      "SELECT outcome, decision FROM federation.cross_dept_audit WHERE source_department_id = $1 AND outcome = 'denied'",
      [legal],
    );
    expect(rows.length).toBe(5);
  });

  it('does show an audit entry to the source, the target and admins only', async () => {
    const { body } = await query(await t.token(hr), {
      target_department_id: sales,
      query_type: 'search_documents',
      query_params: { query: 'revenue' },
    });
    const get = async (token: string) =>
      app.request(`http://localhost/api/v1/cross-dept/audit-log/${body.query_id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    for (const [dept, role] of [
      [hr, 'agent'],
      [sales, 'agent'],
      [legal, 'admin'],
    ] as const) {
      const res = await get(await t.token(dept, role));
      expect(res.status, `${dept} ${role}`).toBe(200);
      expect(await res.json()).toMatchObject({ id: body.query_id, source_department_id: hr, outcome: 'allowed' });
    }
    const outsider = await get(await t.token(legal));
    const missing = await app.request(
      'http://localhost/api/v1/cross-dept/audit-log/00000000-0000-4000-8000-000000000000',
      {
        headers: { authorization: `Bearer ${await t.token(legal)}` },
      },
    );
    expect(outsider.status).toBe(404);
    expect(await outsider.json()).toMatchObject({ status: 404, detail: 'No such audit entry.' });
    expect(await missing.json()).toMatchObject({ status: 404, detail: 'No such audit entry.' });
  });

  it('does answer 404 for an unknown or inactive target', async () => {
    const token = await t.token(hr);
    const unknown = await query(token, {
      target_department_id: 'nope-dept',
      query_type: 'search_documents',
      query_params: { query: 'x' },
    });
    expect(unknown.res.status).toBe(404);
    await t.db.pool.query("UPDATE federation.departments SET status = 'DEPROVISIONED' WHERE department_id = $1", [
      legal,
    ]);
    const inactive = await query(token, {
      target_department_id: legal,
      query_type: 'search_documents',
      query_params: { query: 'x' },
    });
    await t.db.pool.query("UPDATE federation.departments SET status = 'ACTIVE' WHERE department_id = $1", [legal]);
    expect(inactive.res.status).toBe(404);
  });

  it('does refuse to let the gateway role update or delete audit rows', async () => {
    const client = await t.gatewayPool.connect();
    try {
      await expect(client.query("UPDATE federation.cross_dept_audit SET outcome = 'allowed'")).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query('DELETE FROM federation.cross_dept_audit')).rejects.toThrow(/permission denied/);
    } finally {
      client.release();
    }
  });
});
