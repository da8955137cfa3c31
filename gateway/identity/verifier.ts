import { decodeJwt, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import {
  GATEWAY_AUDIENCE,
  PLATFORM_ISSUER,
  SIGNING_ALG,
  TOKEN_TYPE,
} from '../../controller/platform/tokens/constants.ts';
import { type Identity, platformClaims } from './identity.ts';
import type { OidcIssuer } from './oidc-issuer.ts';

export interface VerifierOptions {
  platformKeys: JWTVerifyGetKey;
  /** Runs on every request after the signature (also for cached tokens): a reason refuses the token. */
  admit?: (identity: Identity) => Promise<string | undefined>;
  oidc?: OidcIssuer[];
  issuer?: string;
  audience?: string;
  /** Seconds of clock skew tolerated (default 5). */
  clockToleranceSeconds?: number;
  /** Tokens older than this are refused whatever their exp (default 8 days: the longest platform lifetime plus skew). */
  maxTokenAgeSeconds?: number;
  /** Compact JWS longer than this is refused before parsing (default 4096). */
  maxTokenBytes?: number;
  /** The encoded protected header longer than this is refused (default 512). */
  maxHeaderBytes?: number;
  /**
   * How many verified tokens to remember until they expire (default 10,000; 0 turns it off). Verifying an
   * ES256 signature is the gateway's largest CPU cost per request, and an agent sends the same token all day.
   * A hit still passes the admission check (revocation, department status); the key is the exact token text, so any change misses.
   */
  cacheSize?: number;
}

interface Verified {
  identity: Identity;
  /** Past this instant (ms) jose would refuse the token: exp or the maximum age, plus the clock tolerance. */
  validUntilMs: number;
}

/** Why a token was refused: safe to show the caller (never the token or a key). */
export class TokenRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRejected';
  }
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim check failed: ${err.claim}`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown signing key';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError) return 'invalid token';
  return 'invalid token';
}

/**
 * Strict bearer-token verification: size limits first, then the issuer picked from the unverified `iss`
 * (only to choose keys and rules), then jose with an algorithm allow-list, iss, aud, typ, required
 * exp/iat/sub, clock tolerance and a maximum age, then the claims through zod.
 */
export function createVerifier(opts: VerifierOptions) {
  const issuer = opts.issuer ?? PLATFORM_ISSUER;
  const audience = opts.audience ?? GATEWAY_AUDIENCE;
  const clockTolerance = opts.clockToleranceSeconds ?? 5;
  const maxTokenAge = opts.maxTokenAgeSeconds ?? 8 * 24 * 3600;
  const maxTokenBytes = opts.maxTokenBytes ?? 4096;
  const maxHeaderBytes = opts.maxHeaderBytes ?? 512;
  const oidc = new Map((opts.oidc ?? []).map((o) => [o.config.issuer, o]));

  const cacheSize = opts.cacheSize ?? 10_000;
  const cache = new Map<string, Verified>();

  const checkRevoked = async (identity: Identity) => {
    const refusal = await opts.admit?.(identity);
    if (refusal) throw new TokenRejected(refusal);
  };

  const remember = (token: string, identity: Identity, exp: unknown) => {
    if (cacheSize === 0 || typeof exp !== 'number') return;
    const validUntilMs = (Math.min(exp, identity.issuedAt + maxTokenAge) + clockTolerance) * 1000;
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string); // the oldest entry
    cache.set(token, { identity, validUntilMs });
  };

  return async function verify(token: string): Promise<Identity> {
    const hit = cache.get(token);
    if (hit) {
      if (Date.now() <= hit.validUntilMs) {
        await checkRevoked(hit.identity);
        return hit.identity;
      }
      cache.delete(token);
    }
    const identity = await verifyUncached(token);
    await checkRevoked(identity);
    return identity;
  };

  async function verifyUncached(token: string): Promise<Identity> {
    if (token.length > maxTokenBytes) throw new TokenRejected('token too large');
    if (!COMPACT_JWS.test(token)) throw new TokenRejected('malformed token');
    if ((token.split('.')[0] as string).length > maxHeaderBytes) throw new TokenRejected('token header too large');
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new TokenRejected('malformed token');
    }
    try {
      if (iss === issuer) {
        const { payload } = await jwtVerify(token, opts.platformKeys, {
          algorithms: [SIGNING_ALG],
          issuer,
          audience,
          typ: TOKEN_TYPE,
          clockTolerance,
          maxTokenAge,
          requiredClaims: ['exp', 'iat', 'sub', 'dept', 'role'],
        });
        const claims = platformClaims.safeParse(payload);
        if (!claims.success) throw new TokenRejected('invalid dept or role claim');
        const identity: Identity = {
          department: claims.data.dept,
          role: claims.data.role,
          subject: claims.data.sub,
          issuer,
          issuedAt: claims.data.iat,
        };
        remember(token, identity, payload.exp);
        return identity;
      }
      const external = typeof iss === 'string' ? oidc.get(iss) : undefined;
      if (!external) throw new TokenRejected('unknown issuer');
      const { payload } = await jwtVerify(token, external.getKey, {
        algorithms: external.config.algorithms,
        issuer: external.config.issuer,
        audience: external.config.audience,
        typ: external.config.typ,
        clockTolerance,
        maxTokenAge,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      const identity = external.identity(payload);
      if (!identity) throw new TokenRejected('no department group in token');
      remember(token, identity, payload.exp);
      return identity;
    } catch (err) {
      if (err instanceof TokenRejected) throw err;
      throw new TokenRejected(reasonOf(err));
    }
  }
}

export type Verify = ReturnType<typeof createVerifier>;
