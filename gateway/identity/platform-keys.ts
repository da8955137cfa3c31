import { errors, importJWK, type JWK, type JWTVerifyGetKey } from 'jose';
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;
type VerifyKey = Awaited<ReturnType<JWTVerifyGetKey>>;

export interface PlatformKeysOptions {
  /** Reload at least this often so new keys appear and retired ones disappear (default 60 s). */
  refreshMs?: number;
  /** An unknown kid reloads the keys at most once per this period (default 10 s). */
  cooldownMs?: number;
  now?: () => number;
}

/**
 * The platform issuer's public keys, read from federation.gateway_signing_keys (written by the controller's
 * key store). An unknown kid triggers at most one reload per cooldown, so a burst of forged kids cannot make
 * the gateway hammer the database.
 */
export class PlatformKeys {
  private keys = new Map<string, { jwk: JWK; key?: VerifyKey }>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  /** How many times the keys were read from the database (observable by tests). */
  loads = 0;
  private readonly refreshMs: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Queryable,
    opts: PlatformKeysOptions = {},
  ) {
    this.refreshMs = opts.refreshMs ?? 60_000;
    this.cooldownMs = opts.cooldownMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The key function jose's jwtVerify calls with the token's protected header. */
  readonly getKey: JWTVerifyGetKey = async (header) => {
    const age = this.now() - this.loadedAt;
    if (age > this.refreshMs || (header.kid && !this.keys.has(header.kid) && age > this.cooldownMs)) await this.load();
    const entry = header.kid ? this.keys.get(header.kid) : undefined;
    if (!entry || entry.jwk.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
    entry.key ??= await importJWK(entry.jwk, entry.jwk.alg);
    return entry.key;
  };

  /** The public JWK Set served at /.well-known/jwks.json. */
  async jwks(): Promise<{ keys: JWK[] }> {
    if (this.now() - this.loadedAt > this.cooldownMs) await this.load();
    return { keys: [...this.keys.values()].map((e) => e.jwk) };
  }

  private load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const { rows } = await this.db.query<{ kid: string; public_jwk: JWK }>(
          'SELECT kid, public_jwk FROM federation.gateway_signing_keys WHERE expires_at > now() ORDER BY created_at',
        );
        this.loads++;
        const next = new Map<string, { jwk: JWK; key?: VerifyKey }>();
        for (const r of rows) next.set(r.kid, this.keys.get(r.kid) ?? { jwk: { ...r.public_jwk, kid: r.kid } });
        this.keys = next;
        this.loadedAt = this.now();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
