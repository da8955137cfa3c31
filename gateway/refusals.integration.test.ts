import { randomUUID } from 'node:crypto';
import { exportSPKI, generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GATEWAY_AUDIENCE, PLATFORM_ISSUER } from '../controller/platform/tokens/constants.ts';
import { generateKey } from '../controller/platform/tokens/key-store.ts';
import { mintToken } from '../controller/platform/tokens/mint.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { CROSS_DEPT_QUERY, searchRequest } from '../e2e/support/gateway-requests.ts';
import { PlatformKeys } from './identity/platform-keys.ts';
import { PgRateLimiter } from './rate-limit/store.ts';

interface Case {
  name: string;
  status: number;
  /** Expected audit outcome; undefined when the request never passed authentication (no audit row). */
  outcome?: 'denied' | 'invalid' | 'rate_limited';
  token?: () => Promise<string | undefined>;
  authorization?: () => Promise<string>;
  method?: string;
  path?: string;
  body?: () => unknown;
  rawBody?: string;
  before?: () => Promise<void>;
  after?: () => Promise<void>;
}

describe('gateway refusals', () => {
  let t: GatewayTestbed;
  let hr: string;
  let sales: string;
  let limited: string;
  let app: ReturnType<GatewayTestbed['app']>;
  const now = () => Math.floor(Date.now() / 1000);

  /** Signs arbitrary claims and header with the platform's real key. */
  async function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    const key = await importJWK(t.key.privateJwk, 'ES256');
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: t.key.kid, typ: 'at+jwt', ...header }).sign(key);
  }
  const base = () => ({
    iss: PLATFORM_ISSUER,
    aud: GATEWAY_AUDIENCE,
    sub: 'agent',
    dept: hr,
    role: 'agent',
    iat: now(),
    exp: now() + 600,
  });
  const without = (claim: string) => () => {
    const c: Record<string, unknown> = base();
    delete c[claim];
    return sign(c);
  };
  const query = (extra: Record<string, unknown> = {}, params: Record<string, unknown> = {}) => ({
    target_department_id: sales,
    query_type: 'search_documents',
    query_params: { query: 'revenue', ...params },
    ...extra,
  });

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['hr', 'sales', 'rl'],
    });
    [hr, sales, limited] = t.departments as [string, string, string];
    app = t.app();
    await t.grant('hr-sales', { source: hr, target: sales });
  });

  afterAll(async () => {
    await t?.stop();
  });

  const agent = () => t.token(hr);
  const cases: Case[] = [
    { name: 'no Authorization header', status: 401, token: async () => undefined },
    { name: 'a Basic credential', status: 401, authorization: async () => 'Basic aHI6aHI=' },
    {
      name: 'alg none',
      status: 401,
      token: async () => new UnsecuredJWT(base()).setIssuer(PLATFORM_ISSUER).setAudience(GATEWAY_AUDIENCE).encode(),
    },
    {
      name: 'HS256 signed with the public key (algorithm confusion)',
      status: 401,
      token: async () => {
        const { publicKey } = await generateKeyPair('ES256', { extractable: true });
        const pem = await exportSPKI(publicKey);
        const secret = new TextEncoder().encode(JSON.stringify(t.key.publicJwk));
        await new SignJWT(base()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(pem)); // both shapes refused
        return new SignJWT(base()).setProtectedHeader({ alg: 'HS256', kid: t.key.kid, typ: 'at+jwt' }).sign(secret);
      },
    },
    {
      name: 'an unknown kid',
      status: 401,
      token: async () =>
        (await mintToken(await generateKey(), { department: hr, role: 'agent', lifetimeSeconds: 600 })).token,
    },
    {
      name: 'a known kid with a different key’s signature',
      status: 401,
      token: async () => {
        const other = await generateKey();
        return (await mintToken({ ...other, kid: t.key.kid }, { department: hr, role: 'agent', lifetimeSeconds: 600 }))
          .token;
      },
    },
    { name: 'an expired token', status: 401, token: () => sign({ ...base(), iat: now() - 7200, exp: now() - 3600 }) },
    { name: 'nbf in the future', status: 401, token: () => sign({ ...base(), nbf: now() + 3600 }) },
    { name: 'iat in the future', status: 401, token: () => sign({ ...base(), iat: now() + 3600, exp: now() + 7200 }) },
    {
      name: 'older than the maximum token age',
      status: 401,
      token: () => sign({ ...base(), iat: now() - 9 * 86400, exp: now() + 600 }),
    },
    { name: 'missing exp', status: 401, token: without('exp') },
    { name: 'missing iat', status: 401, token: without('iat') },
    { name: 'missing sub', status: 401, token: without('sub') },
    { name: 'missing dept', status: 401, token: without('dept') },
    { name: 'missing role', status: 401, token: without('role') },
    { name: 'an unknown role', status: 401, token: () => sign({ ...base(), role: 'superuser' }) },
    { name: 'a dept that is no department id', status: 401, token: () => sign({ ...base(), dept: "hr'; --" }) },
    { name: 'a wrong iss', status: 401, token: () => sign({ ...base(), iss: 'https://evil.example.com' }) },
    { name: 'a wrong aud', status: 401, token: () => sign({ ...base(), aud: 'someone-else' }) },
    { name: 'a wrong typ', status: 401, token: () => sign(base(), { typ: 'JWT' }) },
    {
      name: 'a tampered payload',
      status: 401,
      token: async () => {
        const [h, , s] = (await agent()).split('.');
        const forged = Buffer.from(JSON.stringify({ ...base(), dept: sales, role: 'admin' })).toString('base64url');
        return `${h}.${forged}.${s}`;
      },
    },
    { name: 'an oversize protected header', status: 401, token: () => sign(base(), { pad: 'x'.repeat(600) }) },
    { name: 'an oversize Authorization header', status: 431, authorization: async () => `Bearer ${'a'.repeat(9000)}` },
    {
      name: 'a revoked department’s token',
      status: 401,
      token: async () => {
        const token = await sign({ ...base(), dept: sales, iat: now() - 10 });
        await t.db.pool.query(
          'INSERT INTO federation.gateway_token_revocations VALUES ($1, now()) ON CONFLICT (department_id) DO UPDATE SET revoked_before = now()',
          [sales],
        );
        return token;
      },
    },
    {
      name: 'a token for a department that was never provisioned',
      status: 401,
      token: async () => (await mintToken(t.key, { department: 'ghost', role: 'agent', lifetimeSeconds: 600 })).token,
    },
    {
      name: 'a token of a department that is no longer ACTIVE',
      status: 401,
      token: async () => {
        const token = await sign({ ...base(), dept: sales });
        await t.db.pool.query("UPDATE federation.departments SET status = 'DEPROVISIONING' WHERE department_id = $1", [
          sales,
        ]);
        return token;
      },
      after: async () => {
        await t.db.pool.query("UPDATE federation.departments SET status = 'ACTIVE' WHERE department_id = $1", [sales]);
      },
    },
    {
      name: 'an agent token on the facade',
      status: 403,
      outcome: 'denied',
      token: agent,
      path: '/api/v1/provision-department',
      body: () => ({ department_id: 'x' }),
    },
    {
      name: 'an agent token on deprovision',
      status: 403,
      outcome: 'denied',
      token: agent,
      method: 'DELETE',
      path: '/api/v1/deprovision/anything',
    },
    {
      name: 'a body naming another source department',
      status: 400,
      outcome: 'invalid',
      token: agent,
      body: () => query({ source_department_id: sales }),
    },
    {
      name: 'a query with a NUL byte',
      status: 400,
      outcome: 'invalid',
      token: agent,
      body: () => query({}, { query: 'rev\u0000enue' }),
    },
    {
      name: 'a query over 1 KiB',
      status: 400,
      outcome: 'invalid',
      token: agent,
      body: () => query({}, { query: 'é'.repeat(513) }),
    },
    { name: 'limit over 50', status: 400, outcome: 'invalid', token: agent, body: () => query({}, { limit: 51 }) },
    {
      name: 'an unknown query_type',
      status: 400,
      outcome: 'invalid',
      token: agent,
      body: () => query({ query_type: 'drop_tables' }),
    },
    { name: 'malformed JSON', status: 400, outcome: 'invalid', token: agent, rawBody: '{"target_department_id": ' },
    {
      name: 'an expired grant',
      status: 403,
      outcome: 'denied',
      token: agent,
      body: () => query(),
      before: () => t.grant('hr-sales', { source: hr, target: sales, expiresAt: new Date(Date.now() - 1000) }),
    },
    {
      name: 'a narrower grant (other query type)',
      status: 403,
      outcome: 'denied',
      token: agent,
      body: () => query(),
      before: () => t.grant('hr-sales', { source: hr, target: sales, queryTypes: ['get_contact'] }),
    },
    {
      name: 'a deleted grant',
      status: 403,
      outcome: 'denied',
      token: agent,
      body: () => query(),
      before: () => t.revokeGrant('hr-sales'),
    },
    {
      name: 'an unknown target',
      status: 404,
      outcome: 'denied',
      token: agent,
      body: () => query({ target_department_id: 'ghost' }),
    },
  ];

  async function auditCount(): Promise<number> {
    const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM federation.cross_dept_audit');
    return rows[0].n;
  }

  it(`has at least 25 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('refuses $name with $status', async (c) => {
    await c.before?.();
    const token = await c.token?.();
    const authorization = c.authorization ? await c.authorization() : token ? `Bearer ${token}` : undefined;
    const countBefore = await auditCount();
    const res = await Promise.resolve(
      app.request(`http://localhost${c.path ?? '/api/v1/cross-dept/query'}`, {
        method: c.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        ...(c.method === 'DELETE' ? {} : { body: c.rawBody ?? JSON.stringify(c.body?.() ?? query()) }),
      }),
    ).finally(() => c.after?.());
    expect(res.status, await res.clone().text()).toBe(c.status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: c.status, type: 'about:blank' });
    expect(JSON.stringify(problem)).not.toMatch(/\bat .*\.ts:\d+|stack|SELECT|password/i);
    const { rows } = await t.db.pool.query(
      'SELECT outcome, source_department_id, success FROM federation.cross_dept_audit ORDER BY created_at DESC LIMIT 1',
    );
    if (c.outcome) {
      expect(await auditCount()).toBe(countBefore + 1);
      expect(rows[0]).toMatchObject({ outcome: c.outcome, source_department_id: hr, success: false });
    } else {
      expect(await auditCount()).toBe(countBefore);
    }
  });

  it('does refuse over the rate limit with 429 and Retry-After, and count refusals into one audit row', async () => {
    const app2 = t.app({ limitFor: async () => 2 });
    const token = await t.token(limited); // a department of its own: a fresh bucket
    const send = () => app2.request(`http://localhost${CROSS_DEPT_QUERY}`, searchRequest(`Bearer ${token}`, hr));
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await send());
    expect(statuses.map((r) => r.status)).toEqual([403, 403, 429, 429, 429]);
    const refused = statuses[4] as Response;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit-policy')).toBe('"cross-dept";q=2;w=60');
    expect(refused.headers.get('ratelimit')).toMatch(/^"cross-dept";r=0;t=\d+$/);
    const rows = async () =>
      (
        await t.db.pool.query(
          `SELECT outcome, refused_count, query_type FROM federation.cross_dept_audit
            WHERE source_department_id = $1 ORDER BY created_at`,
          [limited],
        )
      ).rows;
    // The refusals wrote no row each: two denied rows only, the refusals are counted.
    expect(await rows()).toEqual([
      { outcome: 'denied', refused_count: null, query_type: 'search_documents' },
      { outcome: 'denied', refused_count: null, query_type: 'search_documents' },
    ]);
    expect(await new PgRateLimiter(t.gatewayPool).flushRefusals(true)).toBeGreaterThanOrEqual(1);
    const aggregated = (await rows()).filter((r) => r.outcome === 'rate_limited');
    expect(aggregated).toEqual([{ outcome: 'rate_limited', refused_count: 3, query_type: 'rate_limit:cross-dept' }]);
  });

  it('does limit requests without a valid token per client address, and count the refusals', async () => {
    const app2 = t.app({ unauthenticatedPerMinute: 3, trustedProxyHops: 1 });
    const address = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const from = (ip: string, authorization?: string) =>
      app2.request(`http://localhost${CROSS_DEPT_QUERY}`, {
        ...searchRequest(authorization ?? 'Bearer not.a.token', sales),
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': `203.0.113.9, ${ip}`, // the left entry is the client's own claim and is ignored
          ...(authorization === undefined ? { authorization: 'Bearer x.y.z' } : { authorization }),
        },
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await from(address)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(
      (await app2.request('http://localhost/.well-known/jwks.json', { headers: { 'x-forwarded-for': address } }))
        .status,
    ).toBe(429);
    expect((await from('198.51.100.7')).status).toBe(401); // another address has its own budget
    // A valid token is not limited here (authenticated, then refused or answered by the grant check).
    expect([200, 403]).toContain((await from(address, `Bearer ${await t.token(hr)}`)).status);
    await new PgRateLimiter(t.gatewayPool).flushRefusals(true);
    const { rows } = await t.db.pool.query(
      `SELECT source_department_id, refused_count FROM federation.cross_dept_audit
        WHERE query_type = 'rate_limit:unauthenticated' AND query_params->>'bucket' = $1`,
      [`unauthenticated:${address}`],
    );
    expect(rows).toEqual([{ source_department_id: '(unauthenticated)', refused_count: 3 }]);
  });

  it('does validate the deprovision path parameter before anything reaches the API server', async () => {
    const calls: string[] = [];
    const recording = {
      create: async () => Promise.reject(new Error('not used')),
      get: async () => Promise.reject(new Error('not used')),
      delete: async (name: string) => {
        calls.push(name);
      },
      createOAuthClientSecret: async () => Promise.reject(new Error('not used')),
    };
    const app2 = t.app({ departments: recording, provisioningPerHour: 100 });
    const admin = await t.token(hr, 'admin', { subject: `param-${randomUUID()}` });
    for (const raw of ['hr%2Fstatus', 'HR', 'hr.x', 'hr%2F..%2Fsales', 'a'.repeat(41), 'hr%00', '-hr', 'hr_x']) {
      const res = await app2.request(`http://localhost/api/v1/deprovision/${raw}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(res.status, raw).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(calls).toEqual([]);
    const ok = await app2.request(`http://localhost/api/v1/deprovision/${limited}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(ok.status).toBe(202);
    expect(calls).toEqual([limited]);
  });

  it('does reload the platform keys at most once per cooldown for a burst of unknown kids', async () => {
    const keys = new PlatformKeys(t.gatewayPool, { cooldownMs: 60_000 });
    const burst = t.app({ platformKeys: keys, verifier: { platformKeys: keys.getKey } });
    const forged = await Promise.all(
      Array.from(
        { length: 25 },
        async () =>
          (
            await mintToken(
              { ...(await generateKey()), kid: randomUUID() },
              { department: hr, role: 'agent', lifetimeSeconds: 60 },
            )
          ).token,
      ),
    );
    for (const token of forged) {
      const res = await burst.request('http://localhost/api/v1/cross-dept/audit-log/x', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(401);
    }
    expect(keys.loads).toBe(1);
  });
});
