import { decodeJwt } from 'jose';
import type pg from 'pg';
import {
  DAY_SECONDS,
  GATEWAY_AUDIENCE,
  GATEWAY_TOKEN_READY,
  PLATFORM_ISSUER,
  Reason,
  TOKEN_SECRET_NAME,
} from '../../controller/platform/tokens/constants.ts';
import type { SigningKeyStore } from '../../controller/platform/tokens/key-store.ts';
import { mintToken } from '../../controller/platform/tokens/mint.ts';
import { isNotFound, paths } from '../../controller/runtime/kube-api.ts';
import { DEPARTMENT_LABEL, FIELD_MANAGER } from '../../crds/names.ts';
import type { Component, ComponentContext, ComponentResult, KubeApi } from '../component.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface GatewayTokenComponentOptions {
  /** Revocations are written here (federation.gateway_token_revocations); the gateway reads them. */
  pool: Queryable;
  keys: SigningKeyStore;
  /** Lifetime of each agent token (default 24 h). */
  tokenLifetimeSeconds?: number;
  /** Renew once this fraction of the lifetime has passed (default 2/3, i.e. 8 h before expiry of a 24 h token). */
  renewAfterFraction?: number;
  issuer?: string;
  audience?: string;
  /** Told when the department's token in use expires after each apply, and `undefined` once it is deleted. */
  onTokenExpiry?: (department: string, expiresAt: Date | undefined) => void;
  /** The clock tokens are issued and renewed by (default: the system clock). */
  now?: () => Date;
}

interface TokenSecret {
  metadata: { resourceVersion: string };
  data?: Record<string, string>;
}

function api(ctx: ComponentContext): KubeApi {
  return ctx.kube;
}

/**
 * Mints each department's agent token into Secret `gateway-token` in `dept-<name>` (field `token`), renews it
 * well before expiry, replaces it when its key is gone or its claims no longer match, and on deprovision
 * deletes it and revokes every token the department was issued (the gateway refuses tokens issued before
 * the revocation instant).
 */
export function createGatewayTokenComponent(opts: GatewayTokenComponentOptions): Component {
  const lifetime = opts.tokenLifetimeSeconds ?? DAY_SECONDS;
  const renewAfter = opts.renewAfterFraction ?? 2 / 3;
  const issuer = opts.issuer ?? PLATFORM_ISSUER;
  const audience = opts.audience ?? GATEWAY_AUDIENCE;
  const now = opts.now ?? (() => new Date());

  /** When the existing token should be replaced, or undefined when it must be replaced now. */
  function renewalDue(token: string | undefined, department: string, kids: Set<string>): number | undefined {
    if (!token) return undefined;
    try {
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid?: string };
      const claims = decodeJwt(token);
      if (!header.kid || !kids.has(header.kid)) return undefined;
      if (claims.dept !== department || claims.role !== 'agent' || claims.iss !== issuer) return undefined;
      if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return undefined;
      const due = (claims.iat + (claims.exp - claims.iat) * renewAfter) * 1000;
      return due > now().getTime() ? due : undefined;
    } catch {
      return undefined; // an unreadable token is replaced
    }
  }

  /**
   * The first instant a token minted for the department is accepted: the gateway refuses a token whose `iat`
   * (whole seconds) is before the department's revocation instant, so after a revocation that is the next
   * whole second. Zero when the department was never revoked.
   */
  async function tokensAcceptedFrom(department: string): Promise<number> {
    const { rows } = await opts.pool.query<{ before_ms: string }>(
      `SELECT (extract(epoch FROM revoked_before) * 1000)::bigint AS before_ms
         FROM federation.gateway_token_revocations WHERE department_id = $1`,
      [department],
    );
    return rows[0] ? Math.ceil(Number(rows[0].before_ms) / 1000) * 1000 : 0;
  }

  return {
    name: 'gateway-token',
    conditionType: GATEWAY_TOKEN_READY,
    dependsOn: ['namespace'],

    async apply(ctx): Promise<ComponentResult> {
      const kube = api(ctx);
      const department = ctx.department.metadata.name;
      const secretPath = `${paths.namespacedSecrets(ctx.namespace)}/${TOKEN_SECRET_NAME}`;
      const key = await opts.keys.activeKey(kube);
      let existing: TokenSecret | undefined;
      try {
        existing = await kube.get<TokenSecret>(secretPath);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      const current = existing?.data?.token ? Buffer.from(existing.data.token, 'base64').toString() : undefined;
      const kids = new Set([key.kid, ...(await publishedKids(opts.pool))]);
      let due = renewalDue(current, department, kids);
      let inUse = current;
      if (due === undefined) {
        const issuedAt = now();
        const acceptedFrom = await tokensAcceptedFrom(department);
        if (issuedAt.getTime() < acceptedFrom) {
          return {
            condition: {
              status: 'Unknown',
              reason: Reason.RecentlyRevoked,
              message: `the department's tokens were just revoked; a new one is issued at ${new Date(acceptedFrom).toISOString()}, the first second the gateway accepts`,
            },
            requeueAfterMs: acceptedFrom - issuedAt.getTime(),
          };
        }
        const { token, expiresAt } = await mintToken(key, {
          department,
          role: 'agent',
          lifetimeSeconds: lifetime,
          issuer,
          audience,
          now: issuedAt,
        });
        const body = {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: {
            name: TOKEN_SECRET_NAME,
            namespace: ctx.namespace,
            labels: { 'app.kubernetes.io/part-of': 'federation', [DEPARTMENT_LABEL]: department },
            annotations: { 'federation.synrg.io/token-expires-at': expiresAt.toISOString() },
          },
          data: { token: Buffer.from(token).toString('base64') },
        };
        if (existing)
          await kube.mergePatch(
            secretPath,
            { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion } },
            FIELD_MANAGER,
          );
        else await kube.create(paths.namespacedSecrets(ctx.namespace), body, FIELD_MANAGER);
        await ctx.events.event(
          'Normal',
          Reason.TokenIssued,
          `issued the agent's gateway token (expires ${expiresAt.toISOString()})`,
        );
        // From the token's own claims (whole seconds), as every later reconcile reads it: the condition's message
        // is then the same, so a steady Department's status is not written again.
        due = renewalDue(token, department, kids) ?? issuedAt.getTime() + lifetime * renewAfter * 1000;
        inUse = token;
      }
      const { exp } = decodeJwt(inUse as string);
      if (typeof exp === 'number') opts.onTokenExpiry?.(department, new Date(exp * 1000));
      return {
        condition: {
          status: 'True',
          reason: Reason.TokenIssued,
          message: `Secret ${TOKEN_SECRET_NAME} holds the agent's gateway token; renewal at ${new Date(due).toISOString()}`,
        },
        outputs: { secretName: TOKEN_SECRET_NAME },
        requeueAfterMs: Math.max(1000, due - now().getTime()),
      };
    },

    async delete(ctx): Promise<ComponentResult> {
      const department = ctx.department.metadata.name;
      await opts.pool.query(
        `INSERT INTO federation.gateway_token_revocations (department_id, revoked_before) VALUES ($1, now())
         ON CONFLICT (department_id) DO UPDATE SET revoked_before = now()`,
        [department],
      );
      try {
        await api(ctx).delete(`${paths.namespacedSecrets(ctx.namespace)}/${TOKEN_SECRET_NAME}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      opts.onTokenExpiry?.(department, undefined);
      return {
        condition: {
          status: 'False',
          reason: Reason.TokenRevoked,
          message: 'the department’s gateway tokens are revoked',
        },
      };
    },
  };
}

async function publishedKids(pool: Queryable): Promise<string[]> {
  const { rows } = await pool.query<{ kid: string }>(
    'SELECT kid FROM federation.gateway_signing_keys WHERE expires_at > now()',
  );
  return rows.map((r) => r.kid);
}
