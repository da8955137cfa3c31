import { randomUUID } from 'node:crypto';
import { type CryptoKey, importJWK, type JWK, SignJWT } from 'jose';
import { GATEWAY_AUDIENCE, PLATFORM_ISSUER, type Role, type SIGNING_ALG, TOKEN_TYPE } from './constants.ts';

/** A signing key as the key store keeps it: the private JWK never leaves the Secret and this process. */
export interface SigningKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  privateJwk: JWK;
  publicJwk: JWK;
  /** ISO instant the key was created (it signs new tokens for one rotation period from then). */
  createdAt: string;
}

export interface MintOptions {
  department: string;
  role: Role;
  /** Who the token is for; defaults to `system:department:<dept>:<role>`. */
  subject?: string;
  lifetimeSeconds: number;
  issuer?: string;
  audience?: string;
  now?: Date;
}

const imported = new Map<string, CryptoKey | Uint8Array>();

async function privateKey(key: SigningKey): Promise<CryptoKey | Uint8Array> {
  // Keyed by the key material, not the kid alone: a kid names a key, it does not prove which one.
  const id = `${key.kid}.${key.privateJwk.d}`;
  let k = imported.get(id);
  if (!k) {
    k = await importJWK(key.privateJwk, key.alg);
    imported.set(id, k);
  }
  return k;
}

/** Signs a platform token the gateway accepts: ES256, kid, typ at+jwt, iss/aud/sub/iat/exp/jti, dept and role. */
export async function mintToken(key: SigningKey, opts: MintOptions): Promise<{ token: string; expiresAt: Date }> {
  const now = opts.now ?? new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + opts.lifetimeSeconds;
  const token = await new SignJWT({ dept: opts.department, role: opts.role })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TOKEN_TYPE })
    .setIssuer(opts.issuer ?? PLATFORM_ISSUER)
    .setAudience(opts.audience ?? GATEWAY_AUDIENCE)
    .setSubject(opts.subject ?? `system:department:${opts.department}:${opts.role}`)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(await privateKey(key));
  return { token, expiresAt: new Date(exp * 1000) };
}
