import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type pg from 'pg';
import { FIELD_MANAGER } from '../../../crds/names.ts';
import type { KubeApi } from '../../runtime/kube-api.ts';
import { paths } from '../../runtime/kube-api.ts';
import { isConflict, isNotFound } from '../kube/rest-client.ts';
import { DAY_SECONDS, KEY_SECRET_NAME, KEY_SECRET_NAMESPACE, SIGNING_ALG } from './constants.ts';
import type { SigningKey } from './mint.ts';

type Queryable = Pick<pg.Pool, 'query'>;

const KEYS_FIELD = 'keys.json';

interface KeySecret {
  metadata: { resourceVersion: string };
  data?: Record<string, string>;
}

export interface KeyStoreOptions {
  /** Where the public keys are published for the gateway (federation.gateway_signing_keys). */
  pool: Queryable;
  /** A key signs new tokens for this long, then a new key takes over (default 30 days). */
  rotationPeriodSeconds?: number;
  /** The longest lifetime of any token the platform mints (default 7 days); old keys are kept that much longer. */
  maxTokenLifetimeSeconds?: number;
  namespace?: string;
  name?: string;
  now?: () => Date;
}

/**
 * The platform's token signing keys, kept in one Secret (`federation-system/gateway-signing-keys`, ES256 JWKs
 * with a kid). The newest key signs; after a rotation the older keys stay (and stay published) until every
 * token they could have signed has expired, so rotation never invalidates a live token. Only the public
 * halves leave the Secret: they are written to federation.gateway_signing_keys, which the gateway reads to
 * verify tokens and serve /.well-known/jwks.json (its ServiceAccount may not read Secrets).
 */
export class SigningKeyStore {
  readonly rotationMs: number;
  readonly maxLifetimeMs: number;
  private readonly namespace: string;
  private readonly name: string;
  private readonly now: () => Date;
  private published = '';
  private pending: Promise<SigningKey> | undefined;

  constructor(private readonly opts: KeyStoreOptions) {
    this.rotationMs = (opts.rotationPeriodSeconds ?? 30 * DAY_SECONDS) * 1000;
    this.maxLifetimeMs = (opts.maxTokenLifetimeSeconds ?? 7 * DAY_SECONDS) * 1000;
    this.namespace = opts.namespace ?? KEY_SECRET_NAMESPACE;
    this.name = opts.name ?? KEY_SECRET_NAME;
    this.now = opts.now ?? (() => new Date());
  }

  /** The key that signs new tokens, creating or rotating it when due; concurrent callers share one call. */
  activeKey(kube: KubeApi): Promise<SigningKey> {
    this.pending ??= this.converge(kube).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * The key that signs right now, read-only (for the CLI, which must not rotate keys behind the controller's
   * back); undefined when the controller has not created one yet.
   */
  async currentKey(kube: KubeApi): Promise<SigningKey | undefined> {
    const now = this.now().getTime();
    return newest(parseKeys(await this.read(kube)).filter((k) => this.retiresAt(k).getTime() > now));
  }

  /** When a key's last possible token expires. */
  retiresAt(key: SigningKey): Date {
    return new Date(Date.parse(key.createdAt) + this.rotationMs + this.maxLifetimeMs);
  }

  private async converge(kube: KubeApi): Promise<SigningKey> {
    for (let attempt = 0; ; attempt++) {
      const secret = await this.read(kube);
      const current = parseKeys(secret);
      const now = this.now().getTime();
      const kept = current.filter((k) => this.retiresAt(k).getTime() > now);
      let active = newest(kept);
      if (!active || Date.parse(active.createdAt) + this.rotationMs <= now) active = await generateKey(this.now());
      const next = kept.includes(active) ? kept : [...kept, active];
      const changed = next.length !== current.length || next.some((k, i) => k !== current[i]);
      try {
        if (changed) await this.write(kube, secret, next);
      } catch (err) {
        if (isConflict(err) && attempt < 5) continue; // another writer won; converge on what it wrote
        throw err;
      }
      await this.publish(next);
      return active;
    }
  }

  private async read(kube: KubeApi): Promise<KeySecret | undefined> {
    try {
      return await kube.get<KeySecret>(`${paths.namespacedSecrets(this.namespace)}/${this.name}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async write(kube: KubeApi, existing: KeySecret | undefined, keys: SigningKey[]): Promise<void> {
    const data = { [KEYS_FIELD]: Buffer.from(JSON.stringify(keys)).toString('base64') };
    const metadata = {
      name: this.name,
      namespace: this.namespace,
      labels: { 'app.kubernetes.io/part-of': 'federation', 'app.kubernetes.io/component': 'gateway-signing-keys' },
    };
    if (!existing) {
      await kube.create(
        paths.namespacedSecrets(this.namespace),
        { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata, data },
        FIELD_MANAGER,
      );
      return;
    }
    // The resourceVersion makes this a compare-and-swap: a concurrent rotation answers 409 and we re-read.
    await kube.mergePatch(
      `${paths.namespacedSecrets(this.namespace)}/${this.name}`,
      { metadata: { resourceVersion: existing.metadata.resourceVersion }, data },
      FIELD_MANAGER,
    );
  }

  private async publish(keys: SigningKey[]): Promise<void> {
    const fingerprint = keys.map((k) => k.kid).join(',');
    if (fingerprint === this.published) return;
    for (const key of keys) {
      // A key published for the first time is a rotation: it goes into the security trail (kid only).
      await this.opts.pool.query(
        `WITH published AS (
           INSERT INTO federation.gateway_signing_keys (kid, alg, public_jwk, created_at, expires_at)
           VALUES ($1::text, $2::text, $3, $4, $5)
           ON CONFLICT (kid) DO UPDATE SET expires_at = EXCLUDED.expires_at
           RETURNING (xmax = 0) AS added)
         INSERT INTO federation.security_audit (event_type, severity, actor, details)
         SELECT 'SIGNING_KEY_ROTATED', 'info', 'federation-controller', jsonb_build_object('kid', $1::text, 'alg', $2::text)
           FROM published WHERE added`,
        [key.kid, key.alg, JSON.stringify(key.publicJwk), key.createdAt, this.retiresAt(key)],
      );
    }
    await this.opts.pool.query(
      'DELETE FROM federation.gateway_signing_keys WHERE expires_at < now() AND NOT (kid = ANY($1::text[]))',
      [keys.map((k) => k.kid)],
    );
    this.published = fingerprint;
  }
}

function parseKeys(secret: KeySecret | undefined): SigningKey[] {
  const encoded = secret?.data?.[KEYS_FIELD];
  if (!encoded) return [];
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as SigningKey[];
}

function newest(keys: SigningKey[]): SigningKey | undefined {
  return keys.reduce<SigningKey | undefined>(
    (a, k) => (!a || Date.parse(k.createdAt) > Date.parse(a.createdAt) ? k : a),
    undefined,
  );
}

export async function generateKey(now = new Date()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = `${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG };
  return { kid, alg: SIGNING_ALG, privateJwk, publicJwk, createdAt: now.toISOString() };
}
