import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOidcIssuer } from './oidc-issuer.ts';
import { createVerifier, TokenRejected } from './verifier.ts';

const ISSUER = 'https://keycloak.example.com/realms/company';
const AUDIENCE = 'federation-gateway';

describe('external OIDC issuer (Keycloak groups -> department)', () => {
  let sign: (claims: JWTPayload, header?: { kid?: string }) => Promise<string>;
  let jwks: { keys: unknown[] };
  let fetches = 0;
  // The JWKS endpoint, served without a network: jose's customFetch hook.
  const fetchJwks = (async () => {
    fetches++;
    return new Response(JSON.stringify(jwks), { headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = 'kc-1';
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
    sign = (claims, header = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'u-123', iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: header.kid ?? kid })
        .sign(privateKey);
    };
  });

  function verifier(cooldownMs = 30_000) {
    const oidc = createOidcIssuer(
      { issuer: ISSUER, jwksUrl: `${ISSUER}/protocol/openid-connect/certs`, audience: AUDIENCE, cooldownMs },
      fetchJwks,
    );
    // Platform keys never match here: these tests are about the external issuer only.
    return createVerifier({ platformKeys: async () => Promise.reject(new Error('no platform key')), oidc: [oidc] });
  }

  it('does map a /teams/<dept> group to that department as an agent', async () => {
    const identity = await verifier()(await sign({ groups: ['/teams/hr', '/everyone'] }));
    expect(identity).toMatchObject({ department: 'hr', role: 'agent', subject: 'u-123', issuer: ISSUER });
  });

  it('does make members of the admin group admins', async () => {
    expect(await verifier()(await sign({ groups: ['/teams/sales', '/federation-admins'] }))).toMatchObject({
      department: 'sales',
      role: 'admin',
    });
  });

  it.each([
    ['no department group', { groups: ['/everyone'] }, /no department group/],
    ['two department groups', { groups: ['/teams/hr', '/teams/sales'] }, /no department group/],
    ['a group that is no department id', { groups: ["/teams/hr'; --"] }, /no department group/],
    ['groups that are not strings', { groups: [1, 2] }, /no department group/],
    ['a wrong audience', { groups: ['/teams/hr'], aud: 'another-app' }, /claim check failed: aud/],
    ['an expired token', { groups: ['/teams/hr'], iat: 1, exp: 2 }, /expired/],
    ['a missing sub', { groups: ['/teams/hr'], sub: undefined }, /claim check failed: sub/],
    ['an unknown issuer', { groups: ['/teams/hr'], iss: 'https://elsewhere.example.com' }, /unknown issuer/],
  ])('does refuse %s', async (_name, claims, reason) => {
    const err = await verifier()(await sign(claims as JWTPayload)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRejected);
    expect((err as Error).message).toMatch(reason);
  });

  it('does refetch the JWKS at most once per cooldown for a burst of unknown kids', async () => {
    const verify = verifier(60_000);
    await verify(await sign({ groups: ['/teams/hr'] }));
    const before = fetches;
    for (let i = 0; i < 20; i++) {
      await expect(verify(await sign({ groups: ['/teams/hr'] }, { kid: randomUUID() }))).rejects.toThrow(
        /unknown signing key/,
      );
    }
    expect(fetches - before).toBeLessThanOrEqual(1);
  });
});
