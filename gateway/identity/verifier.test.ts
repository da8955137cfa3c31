import { importJWK, type JWTVerifyGetKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../controller/platform/tokens/key-store.ts';
import { mintToken, type SigningKey } from '../../controller/platform/tokens/mint.ts';
import { createVerifier, TokenRejected } from './verifier.ts';

describe('verified-token cache', () => {
  let key: SigningKey;
  let lookups = 0;
  const platformKeys: JWTVerifyGetKey = async () => {
    lookups++;
    return importJWK(key.publicJwk, key.alg);
  };

  beforeAll(async () => {
    key = await generateKey();
  });

  const mint = (lifetimeSeconds = 600) => mintToken(key, { department: 'hr', role: 'agent', lifetimeSeconds });

  it('does verify the signature of a repeated token once', async () => {
    const verify = createVerifier({ platformKeys });
    const { token } = await mint();
    const before = lookups;
    for (let i = 0; i < 5; i++) expect(await verify(token)).toMatchObject({ department: 'hr', role: 'agent' });
    expect(lookups - before).toBe(1);
  });

  it('does verify every time with the cache turned off', async () => {
    const verify = createVerifier({ platformKeys, cacheSize: 0 });
    const { token } = await mint();
    const before = lookups;
    for (let i = 0; i < 3; i++) await verify(token);
    expect(lookups - before).toBe(3);
  });

  it('does still refuse a cached token once its department is revoked', async () => {
    let revoked = false;
    const verify = createVerifier({ platformKeys, admit: async () => (revoked ? 'token revoked' : undefined) });
    const { token } = await mint();
    await verify(token);
    revoked = true;
    await expect(verify(token)).rejects.toThrow(/revoked/);
  });

  it('does refuse a cached token after it expires', async () => {
    const verify = createVerifier({ platformKeys, clockToleranceSeconds: 0 });
    const { token, expiresAt } = await mint(1);
    await verify(token);
    await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 50));
    await expect(verify(token)).rejects.toThrow(/expired/);
  });

  it('does not serve a changed token from the cache', async () => {
    const verify = createVerifier({ platformKeys });
    const { token } = await mint();
    await verify(token);
    const [h, p, sig] = token.split('.') as [string, string, string];
    // A character in the middle (the last one carries unused bits, so changing it may not change the signature).
    const i = Math.floor(sig.length / 2);
    const changed = `${sig.slice(0, i)}${sig[i] === 'A' ? 'B' : 'A'}${sig.slice(i + 1)}`;
    const err = await verify(`${h}.${p}.${changed}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRejected);
  });

  it('does keep at most cacheSize tokens', async () => {
    const verify = createVerifier({ platformKeys, cacheSize: 2 });
    const tokens = await Promise.all([mint(), mint(), mint()]);
    for (const { token } of tokens) await verify(token);
    const before = lookups;
    await verify((tokens[0] as { token: string }).token); // evicted by the third
    await verify((tokens[2] as { token: string }).token); // still cached
    expect(lookups - before).toBe(1);
  });
});
