import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { CROSS_DEPT_QUERY, searchRequest } from '../e2e/support/gateway-requests.ts';

describe('audit trail API', () => {
  let t: GatewayTestbed;
  let hr: string;
  let sales: string;
  let legal: string;
  let app: ReturnType<GatewayTestbed['app']>;
  let admin: string;

  const get = async (path: string, token: string) => {
    const res = await app.request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { res, text: await res.text() };
  };
  const json = async (path: string, token: string) => {
    const { res, text } = await get(path, token);
    return { res, body: JSON.parse(text) as { entries: Record<string, unknown>[]; next_cursor: string | null } };
  };

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['auhr', 'ausales', 'aulegal'],
    });
    [hr, sales, legal] = t.departments as [string, string, string];
    app = t.app();
    admin = await t.token('platform', 'admin', { subject: 'auditor' });
    await t.grant('hr-sales', { source: hr, target: sales });
    const hrToken = await t.token(hr);
    const legalToken = await t.token(legal);
    for (let i = 0; i < 5; i++) {
      await app.request(`http://localhost${CROSS_DEPT_QUERY}`, searchRequest(`Bearer ${hrToken}`, sales, `q${i}`));
    }
    await app.request(`http://localhost${CROSS_DEPT_QUERY}`, searchRequest(`Bearer ${hrToken}`, legal, 'denied'));
    await app.request(`http://localhost${CROSS_DEPT_QUERY}`, searchRequest(`Bearer ${legalToken}`, sales, '=cmd()'));
    await t.db.pool.query(
      `INSERT INTO federation.security_audit (event_type, department_id, severity, details, category)
       VALUES ('ISOLATION_BREACH', $1, 'critical', '{"role":"x"}', 'security'),
              ('STEP_FAILED', $2, 'warning', '{"step":"railway"}', 'provisioning')`,
      [sales, legal],
    );
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('does list every kind of entry for an admin, newest first, with filters', async () => {
    const all = await json('/api/v1/audit?limit=1000', admin);
    expect(all.res.status).toBe(200);
    const kinds = new Set(all.body.entries.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['provisioning', 'query', 'security']);
    const times = all.body.entries.map((e) => e.created_at as string);
    expect([...times].sort().reverse()).toEqual(times);
    const denied = await json(`/api/v1/audit?source=${hr}&outcome=denied`, admin);
    expect(denied.body.entries.map((e) => [e.source_department_id, e.target_department_id])).toEqual([[hr, legal]]);
    const bySearch = await json(`/api/v1/audit?target=${sales}&query_type=search_documents&kind=query`, admin);
    expect(bySearch.body.entries).toHaveLength(6);
    const security = await json('/api/v1/audit?kind=security', admin);
    expect(security.body.entries).toEqual([
      expect.objectContaining({ kind: 'security', query_type: 'ISOLATION_BREACH', source_department_id: sales }),
      // The testbed's signing key, published by the key store: a key rotation is a security event.
      expect.objectContaining({ kind: 'security', query_type: 'SIGNING_KEY_ROTATED', source_department_id: null }),
    ]);
    const future = await json(`/api/v1/audit?since=${new Date(Date.now() + 60_000).toISOString()}`, admin);
    expect(future.body.entries).toEqual([]);
    const allowed = (await json(`/api/v1/audit?source=${hr}&outcome=allowed`, admin)).body.entries[0];
    expect(allowed).toMatchObject({
      requester: { subject: `system:department:${hr}:agent`, role: 'agent' },
      access_path: 'grant',
      chain: { name: expect.stringMatching(new RegExp(`^query:${hr}#\\d$`)) },
    });
  });

  it('does page with a cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await json(
        `/api/v1/audit?query_type=search_documents&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        admin,
      );
      expect(page.res.status).toBe(200);
      seen.push(...page.body.entries.map((e) => e.id as string));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor && pages < 50);
    const whole = (await json('/api/v1/audit?query_type=search_documents&limit=1000', admin)).body.entries.map(
      (e) => e.id,
    );
    expect(whole.length).toBe(7); // the reads of the trail are audited too, so the test pages over the searches
    expect(seen).toEqual(whole);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('does export NDJSON and CSV', async () => {
    const nd = await get(`/api/v1/audit?source=${hr}&format=ndjson`, admin);
    expect(nd.res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = nd.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(lines.every((l) => l.source_department_id === hr)).toBe(true);
    const csv = await get(`/api/v1/audit?source=${legal}&kind=query&format=csv`, admin);
    expect(csv.res.headers.get('content-type')).toContain('text/csv');
    const rows = csv.text.trim().split('\r\n');
    expect(rows[0]).toMatch(/^kind,id,created_at,source_department_id,target_department_id,query_type,outcome/);
    expect(rows.length).toBe(2);
    expect(rows[1]).toContain(`query,`);
    // A value a spreadsheet would run as a formula is exported as text.
    expect(csv.text).not.toMatch(/(^|,)"?=cmd/m);
  });

  it('does show a department only its own entries, as source or target', async () => {
    const token = await t.token(sales);
    const own = await json(`/api/v1/audit?department=${sales}&limit=1000`, token);
    expect(own.res.status).toBe(200);
    for (const e of own.body.entries) {
      expect([e.source_department_id, e.target_department_id]).toContain(sales);
    }
    expect(own.body.entries.some((e) => e.kind === 'security')).toBe(true);
    expect(own.body.entries.some((e) => e.source_department_id === legal)).toBe(true);
    for (const path of ['/api/v1/audit', `/api/v1/audit?department=${hr}`, `/api/v1/audit?source=${sales}`]) {
      const refused = await get(path, token);
      expect(refused.res.status, path).toBe(403);
      expect(refused.res.headers.get('content-type')).toBe('application/problem+json');
    }
    const { rows } = await t.db.pool.query(
      "SELECT count(*)::int AS n FROM federation.cross_dept_audit WHERE query_type = 'read_audit' AND outcome = 'denied' AND source_department_id = $1",
      [sales],
    );
    expect(rows[0].n).toBe(3);
  });

  it('does refuse malformed parameters with 400', async () => {
    for (const q of ['limit=0', 'limit=5000', 'cursor=bm90LWEtY3Vyc29y', 'outcome=maybe', 'since=yesterday', 'x=1']) {
      const { res } = await get(`/api/v1/audit?${q}`, admin);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('does report the chains intact to admins, and the first broken link after tampering', async () => {
    expect((await get('/api/v1/audit/verify', await t.token(hr))).res.status).toBe(403);
    const ok = await json('/api/v1/audit/verify', admin);
    expect(ok.body).toMatchObject({ intact: true, first_broken: null });
    await t.db.pool.query(
      'UPDATE federation.cross_dept_audit SET results_returned = 99 WHERE source_department_id = $1 AND chain_seq = 2',
      [hr],
    );
    const broken = (await get('/api/v1/audit/verify', admin)).text;
    expect(JSON.parse(broken)).toMatchObject({
      intact: false,
      first_broken: {
        chain: expect.stringMatching(new RegExp(`^query:${hr}#\\d$`)),
        seq: 2,
        problem: expect.stringMatching(/row changed/),
      },
    });
  });
});
