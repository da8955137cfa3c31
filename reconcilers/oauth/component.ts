import type pg from 'pg';
import {
  type Component,
  type ComponentContext,
  ComponentError,
  type ComponentResult,
} from '../../controller/core/component.ts';
import { decodeSecret, readSecret } from '../../controller/platform/kube/secrets.ts';
import type { Tool } from '../../crds/department.ts';
import { describeIssues, type OAuthClientSecret, oauthClientSecret } from '../../crds/secrets.ts';
import { OAUTH_READY, OAuthReason, type OAuthService, SERVICE_SCOPES } from './conditions.ts';
import type { EncryptionKeys } from './encryption-keys.ts';
import { refreshAccessToken } from './refresh.ts';
import { checkSecretOwner, checkSecretRefNamespace } from './secret-ref.ts';
import { deleteCredentials, ensurePgcrypto, readCredential, recordRefresh, upsertCredential } from './store.ts';

export interface OAuthComponentOptions {
  pool: pg.Pool;
  /** The pgcrypto keys (see loadEncryptionKeys); a function is called on every reconcile, so rotation is picked up. */
  keys: EncryptionKeys | (() => Promise<EncryptionKeys>);
  /** Refresh this long before the access token expires (default 5 minutes). */
  refreshMarginMs?: number;
  /** Up to this much earlier again, at random, so that departments do not refresh together (default 2 minutes). */
  jitterMs?: number;
}

const SERVICES_BY_TOOL: Partial<Record<Tool, OAuthService[]>> = {
  google_drive: ['google_drive'],
  email: ['gmail'],
  file_download_email: ['google_drive', 'gmail'],
};

/** The `oauth` component: the department's Google OAuth client, encrypted at rest, tokens kept fresh. */
export function createOAuthComponent(options: OAuthComponentOptions): Component {
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  const jitter = options.jitterMs ?? 2 * 60_000;
  let pgcrypto: Promise<void> | undefined;
  const keys = () => (typeof options.keys === 'function' ? options.keys() : Promise.resolve(options.keys));

  const apply = async (ctx: ComponentContext): Promise<ComponentResult> => {
    const department = ctx.department.metadata.name;
    const ref = ctx.department.spec.oauth?.secretRef;
    if (!ref) return result('True', OAuthReason.NotConfigured, 'spec.oauth is not set; no Google tools can run');
    checkSecretRefNamespace(department, ref);
    const where = `Secret ${ref.namespace}/${ref.name}`;
    const secret = await readSecret(ctx.kube, ref);
    if (!secret)
      return result(
        'False',
        OAuthReason.MissingSecret,
        `${where} does not exist: create it with client_id and client_secret`,
      );
    checkSecretOwner(department, ref, secret);
    const parsed = oauthClientSecret.safeParse(decodeSecret(secret));
    if (!parsed.success) {
      const missing = parsed.error.issues.some((i) => i.code === 'invalid_type' || i.code === 'too_small');
      return result(
        'False',
        missing ? OAuthReason.MissingSecret : OAuthReason.InvalidClient,
        `${where}: ${describeIssues(parsed.error)}`,
      );
    }
    const client: OAuthClientSecret = parsed.data;
    pgcrypto ??= ensurePgcrypto(options.pool);
    await pgcrypto;
    const current = await keys();
    let rotated = false;
    for (const service of servicesFor(ctx.department.spec.enabledTools)) {
      const changed = await upsertCredential(options.pool, current, {
        departmentId: department,
        service,
        clientId: client.client_id,
        clientSecret: client.client_secret,
        refreshToken: client.refresh_token,
        appName: `${ctx.department.spec.displayName} AIO Assistant`.slice(0, 255),
        scopes: SERVICE_SCOPES[service],
      });
      rotated ||= changed;
    }
    if (rotated) await ctx.events.event('Normal', 'OAuthCredentialStored', `stored the OAuth client from ${where}`);
    const outputs = {
      secretRef: ref,
      clientId: client.client_id,
      secretVersion: `${secret.metadata?.uid}/${secret.metadata?.resourceVersion}`,
    };
    if (!client.refresh_token) {
      return {
        ...result(
          'True',
          OAuthReason.Valid,
          `client stored; ${where} has no refresh_token, so tokens are not refreshed here`,
        ),
        outputs,
      };
    }
    const primary = servicesFor(ctx.department.spec.enabledTools)[0] as OAuthService;
    const stored = await readCredential(options.pool, current, department, primary);
    const expiresAt = stored?.tokenExpiresAt?.getTime() ?? 0;
    const spread = Math.random() * jitter;
    if (expiresAt - Date.now() > margin + spread) {
      return {
        ...result('True', OAuthReason.Valid, 'access token valid'),
        outputs,
        requeueAfterMs: expiresAt - Date.now() - margin - spread,
      };
    }
    const outcome = await refreshAccessToken(
      client.token_uri,
      { id: client.client_id, secret: client.client_secret },
      client.refresh_token,
    );
    if (outcome.ok) {
      const next = new Date(Date.now() + outcome.expiresInSeconds * 1000);
      await recordRefresh(options.pool, current, department, next, outcome.refreshToken);
      const wait = Math.max(1000, outcome.expiresInSeconds * 1000 - margin - Math.random() * jitter);
      return {
        ...result('True', OAuthReason.Valid, `access token refreshed, valid until ${next.toISOString()}`),
        outputs,
        requeueAfterMs: wait,
      };
    }
    if (outcome.kind === 'invalid_client') {
      return {
        ...result(
          'False',
          OAuthReason.InvalidClient,
          `the token endpoint rejected client_id/client_secret in ${where} (${outcome.error})`,
        ),
        outputs,
      };
    }
    if (outcome.kind === 'rejected') {
      return {
        ...result(
          'False',
          OAuthReason.RefreshFailed,
          `the token endpoint refused the refresh_token in ${where} (${outcome.error}): obtain a new one and update the Secret`,
        ),
        outputs,
        requeueAfterMs: 30 * 60_000,
      };
    }
    // A transient failure: while the token still works, look again in a quarter of its remaining life (so the
    // retries close in on the expiry without a counter of our own); once it has expired, fail and let the work
    // queue's backoff retry.
    const remaining = expiresAt - Date.now();
    if (remaining <= 0) {
      throw new ComponentError(
        OAuthReason.RefreshFailed,
        `refresh failed (${outcome.error}); the access token expired`,
      );
    }
    const retry = Math.min(10 * 60_000, Math.max(5_000, remaining / 4));
    const message = `refresh failed (${outcome.error}); retrying in ${Math.round(retry / 1000)} s`;
    return { ...result('True', OAuthReason.Expiring, message), outputs, requeueAfterMs: retry };
  };

  return {
    name: 'oauth',
    conditionType: OAUTH_READY,
    dependsOn: ['namespace', 'database'],
    apply,
    delete: async (ctx) => {
      if (ctx.department.spec.deletionPolicy === 'Retain') {
        return result('False', OAuthReason.Retained, 'OAuth credentials kept (Retain)');
      }
      const removed = await deleteCredentials(options.pool, ctx.department.metadata.name);
      return result('False', OAuthReason.Deleted, `removed ${removed} stored OAuth credential(s)`);
    },
  };
}

function servicesFor(tools: readonly Tool[]): OAuthService[] {
  const services = new Set(tools.flatMap((t) => SERVICES_BY_TOOL[t] ?? []));
  return services.size ? [...services].sort() : ['google_drive'];
}

function result(status: 'True' | 'False', reason: string, message: string): ComponentResult {
  return { condition: { status, reason, message } };
}
