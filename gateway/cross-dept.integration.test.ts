import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { crossDeptQueryBody } from '../agent-image/src/tools/cross-department/gateway-client.ts';
import { crossDepartmentParameters } from '../agent-image/src/tools/cross-department/query-tools.ts';
import { PLATFORM_ISSUER } from '../controller/platform/tokens/constants.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { tenantNames } from '../reconcilers/database/names.ts';
import { createOidcIssuer } from './identity/oidc-issuer.ts';
import {
  enterAdminRole,
  enterQueryRole,
  executeCrossDeptQuery,
  type QueryRun,
  runTenantQuery,
} from './query/execute.ts';

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

  it('does cut each snippet from around the query words, however deep in the text they are', async () => {
    const words = ['stonemasonry', 'cloudberries', 'northeastern', 'riverbankers', 'amberjackets', 'fieldworkers'];
    const filler = (n: number) => Array.from({ length: n }, (_, i) => words[i % words.length]).join(' ');
    const text = `${filler(180)} the marmalade ${filler(30)} policies apply ${filler(40)} hiring ${filler(10)}`;
    await t.seedDocuments(sales, [{ id: 's-deep', name: 'Preserves', text }]);
    const vocabulary = new Set(text.split(' '));
    const token = await t.token(hr);
    // policy stems to polici and hiring to hire: neither is how the word is written in the text.
    for (const [search, shown] of [
      ['marmalade policy', /\*\*(marmalade|policies)\*\*/],
      ['hiring marmalade', /\*\*(marmalade|hiring)\*\*/],
    ] as const) {
      const { body } = await query(token, {
        target_department_id: sales,
        query_type: 'search_documents',
        query_params: { query: search },
      });
      const [hit] = body.results as { id: string; snippet: string }[];
      expect(hit?.id).toBe('s-deep');
      expect(hit?.snippet).toMatch(shown);
      // Whole words only: the cut never starts or ends the snippet inside a word.
      for (const w of hit?.snippet.replaceAll('**', '').split(' ') ?? []) expect(vocabulary).toContain(w);
    }
  });

  it('does answer the best matches first, each rank shown to four places', async () => {
    const filler = 'the committee met on tuesday and reviewed the minutes of the previous meeting';
    // The same length each, with the query word 1 to 5 times: ts_rank orders them by how often it occurs.
    const docs = [3, 1, 5, 2, 4].map((n) => ({
      id: `rank-${n}`,
      name: `Minutes ${n}`,
      text: `${Array.from({ length: 5 }, (_, i) => (i < n ? 'quasar' : 'meeting')).join(' ')} ${filler}`,
    }));
    await t.seedDocuments(sales, docs);
    const { body } = await query(await t.token(hr), {
      target_department_id: sales,
      query_type: 'search_documents',
      query_params: { query: 'quasar', limit: 4 },
    });
    const hits = body.results as { id: string; rank: number }[];
    expect(hits.map((h) => h.id)).toEqual(['rank-5', 'rank-4', 'rank-3', 'rank-2']);
    for (const [i, h] of hits.entries()) {
      expect(Math.round(h.rank * 1e4) / 1e4).toBe(h.rank);
      if (i > 0) expect(h.rank).toBeLessThan(hits[i - 1]?.rank as number);
    }
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

  it("does answer the body the agent's search tools send, at the longest text both accept", async () => {
    const args = crossDepartmentParameters.parse({ department: sales, query: `revenue or ${'é'.repeat(505)}xyz` });
    expect(Buffer.byteLength(args.query)).toBe(1024);
    const body = crossDeptQueryBody({
      target: sales,
      queryType: 'search_documents',
      query: args.query,
      sessionId: 'AJ_1',
    });
    const { res, body: answer } = await query(await t.token(hr), body);
    expect(res.status).toBe(200);
    expect(answer).toMatchObject({ success: true, results_count: 1 });
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

  it('does keep searching on a connection whose first search failed after preparing its statement', async () => {
    const search = (id: string): QueryRun => ({
      source: hr,
      access: 'grant',
      startedAt: performance.now(),
      request: {
        target_department_id: sales,
        query_type: 'search_documents',
        query_params: { query: 'revenue', limit: 5 },
      },
      audit: {
        id,
        source: hr,
        requester: { subject: `system:department:${hr}:agent`, issuer: PLATFORM_ISSUER, role: 'agent' },
        target: sales,
        queryType: 'search_documents',
        params: { query: 'revenue', limit: 5 },
        sessionId: null,
        userEmail: null,
        outcome: 'allowed',
        errorMessage: null,
      },
    });
    await t.db.pool.query(
      `UPDATE ${tenantNames(sales).schema}.drive_document_repository
          SET drive_modified_time = '2026-12-07T11:11:12.345678+01:00' WHERE drive_file_id = 's1'`,
    );
    const taken = randomUUID();
    expect((await executeCrossDeptQuery(t.gatewayPool, search(taken))).kind).toBe('allowed');
    // One session throughout (a pool would close a connection whose query failed): its first search prepares the
    // statement, then fails on the audit row's taken id. The rollback undoes the session's note of the PREPARE,
    // but not the PREPARE.
    const session = new pg.Client({ connectionString: t.gatewayUrl });
    await session.connect();
    const pool = session as unknown as pg.Pool; // a search sends one statement and needs no more of a pool
    try {
      await expect(executeCrossDeptQuery(pool, search(taken))).rejects.toThrow(/duplicate key/);
      const again = await executeCrossDeptQuery(pool, search(randomUUID()));
      expect(again.kind).toBe('allowed');
      const [hit] = again.kind === 'allowed' ? (again.results as { id: string; modified_at: string }[]) : [];
      expect(hit?.id).toBe('s1');
      // Timestamps read as a JavaScript Date writes them (UTC, milliseconds).
      expect(hit?.modified_at).toBe('2026-12-07T10:11:12.345Z');
    } finally {
      await session.end();
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

describe('admin and aggregate queries', () => {
  let t: GatewayTestbed;
  let hr: string;
  let sales: string;
  let app: ReturnType<GatewayTestbed['app']>;

  async function ask(token: string, body: unknown, a = app) {
    const res = await a.request('http://localhost/api/v1/cross-dept/query', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { res, body: (await res.json()) as Record<string, unknown> };
  }
  const aggregate = (target: string, params: Record<string, unknown> = { period: 'day' }) => ({
    target_department_id: target,
    query_type: 'aggregate',
    query_params: params,
  });

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['ahr', 'asales'],
    });
    [hr, sales] = t.departments as [string, string];
    app = t.app();
    const s = tenantNames(sales).schema;
    await t.seedDocuments(sales, [
      { id: 'a1', name: 'Pricing memo', text: 'secret pricing of the sales team' },
      { id: 'a2', name: 'Pipeline', text: 'the pipeline' },
    ]);
    await t.db.pool.query(
      `INSERT INTO ${s}.tool_calls (tool_call_id, session_id, function_name, created_at)
       VALUES ('t1', 's', 'search', now()), ('t2', 's', 'search', now()), ('t3', 's', 'email', now() - interval '2 days')`,
    );
    await t.db.pool.query(
      `INSERT INTO ${s}.email_logs (message_id, direction, from_address, subject, body, sent_at)
       VALUES ('e1', 'inbound', 'x@y.io', 'Deal', 'confidential terms', now())`,
    );
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('does let a platform admin read any department without a grant, audited as admin', async () => {
    const admin = await t.token('platform', 'admin', { subject: 'alice@platform' });
    const { res, body } = await ask(admin, {
      target_department_id: sales,
      query_type: 'search_documents',
      query_params: { query: 'pricing' },
      requester_context: { user_email: 'claimed@elsewhere.io' },
    });
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ access: 'admin', results_count: 1 });
    const { rows } = await t.db.pool.query('SELECT * FROM federation.cross_dept_audit WHERE id = $1', [body.query_id]);
    expect(rows[0]).toMatchObject({
      source_department_id: 'platform',
      target_department_id: sales,
      access_path: 'admin',
      requester_role: 'admin',
      requester_subject: 'alice@platform',
      requester_issuer: PLATFORM_ISSUER,
      requester_user_email: 'claimed@elsewhere.io',
    });
    const entry = await app.request(`http://localhost/api/v1/cross-dept/audit-log/${body.query_id}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(await entry.json()).toMatchObject({
      requester: { subject: 'alice@platform', issuer: PLATFORM_ISSUER, role: 'admin' },
      caller_supplied: ['requester_user_email'],
      access_path: 'admin',
    });
  });

  it('does make members of the OIDC admin group admins, and leave other members to grants', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'kc', alg: 'RS256' }] };
    const issuer = 'https://keycloak.example.com/realms/company';
    const oidc = createOidcIssuer(
      { issuer, jwksUrl: `${issuer}/certs`, audience: 'federation-gateway' },
      (async () => new Response(JSON.stringify(jwks))) as unknown as typeof fetch,
    );
    const oidcApp = t.app({ verifier: { oidc: [oidc] } });
    const sign = (groups: string[]) =>
      new SignJWT({ groups })
        .setProtectedHeader({ alg: 'RS256', kid: 'kc', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience('federation-gateway')
        .setSubject('u-1')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    const search = { target_department_id: sales, query_type: 'search_documents', query_params: { query: 'pricing' } };
    const member = await ask(await sign([`/teams/${hr}`]), search, oidcApp);
    expect(member.res.status).toBe(403);
    const admin = await ask(await sign([`/teams/${hr}`, '/federation-admins']), search, oidcApp);
    expect(admin.res.status).toBe(200);
    expect(admin.body).toMatchObject({ access: 'admin', results_count: 1 });
  });

  it('does answer an aggregate with counts only, and only under a grant with the aggregate permission', async () => {
    const token = await t.token(hr);
    await t.grant('hr-sales-search', { source: hr, target: sales, permissions: ['search'], queryTypes: ['aggregate'] });
    const refused = await ask(token, aggregate(sales));
    expect(refused.res.status).toBe(403);
    await t.grant('hr-sales-search', {
      source: hr,
      target: sales,
      permissions: ['aggregate'],
      queryTypes: ['aggregate'],
    });
    const { res, body } = await ask(token, aggregate(sales));
    expect(res.status).toBe(200);
    const rows = body.results as Record<string, unknown>[];
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['documents', 'emails', 'period_start', 'tool_calls']);
    const total = (k: string) => rows.reduce((n, r) => n + Number(r[k]), 0);
    expect([total('tool_calls'), total('emails'), total('documents')]).toEqual([3, 1, 2]);
    expect(JSON.stringify(body)).not.toMatch(/pricing|confidential/);
    // The aggregate grant reads no row: a search through it is refused.
    const search = await ask(token, {
      target_department_id: sales,
      query_type: 'search_documents',
      query_params: { query: 'pricing' },
    });
    expect(search.res.status).toBe(403);
    const bad = await ask(token, aggregate(sales, { period: 'minute' }));
    expect(bad.res.status).toBe(400);
  });

  it('does refuse the aggregate in the database when the application check is bypassed', async () => {
    await t.grant('hr-sales-search', { source: hr, target: sales, permissions: ['search'], queryTypes: ['aggregate'] });
    const client = await t.gatewayPool.connect();
    try {
      await client.query('BEGIN');
      await enterQueryRole(client, hr, 'aggregate');
      await expect(
        client.query("SELECT * FROM federation.cross_dept_aggregate($1, 'day', now() - interval '30 days', now())", [
          sales,
        ]),
      ).rejects.toThrow(/no grant allows aggregates/);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await enterQueryRole(client, hr, 'aggregate');
      // The counting function behind it is not callable as the gateway's query role at all.
      await expect(
        client.query("SELECT * FROM federation.department_activity($1, 'day', now() - interval '30 days', now())", [
          sales,
        ]),
      ).rejects.toThrow(/permission denied/);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('does give the gateway login role no admin rights outside an admin transaction', async () => {
    const client = await t.gatewayPool.connect();
    try {
      const s = tenantNames(sales).schema;
      // Not inherited: as itself the gateway role reads nothing of a tenant, even with admin membership.
      const own = await client
        .query(`SELECT count(*)::int AS n FROM ${s}.drive_document_repository`)
        .then((r) => r.rows[0].n as number)
        .catch((e: Error) => e.message);
      expect(own === 0 || /permission denied/.test(String(own))).toBe(true);
      await client.query('BEGIN');
      await enterAdminRole(client);
      const admin = await client.query(`SELECT count(*)::int AS n FROM ${s}.drive_document_repository`);
      expect(admin.rows[0].n).toBe(2);
      await client.query('ROLLBACK');
      const after = await client.query('SELECT current_user AS u');
      expect(after.rows[0].u).not.toBe('federation_admin_role');
    } finally {
      client.release();
    }
  });
});
