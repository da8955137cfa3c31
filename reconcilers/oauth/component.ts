import type pg from 'pg';
import { decodeSecret, readSecret } from '../../controller/platform/kube/secrets.ts';
import type { Tool } from '../../crds/department.ts';
import { describeIssues, type OAuthClientSecret, oauthClientSecret } from '../../crds/secrets.ts';
import type { Component, ComponentContext, ComponentResult } from '../component.ts';
import { AccessTokens, validateClient } from './access-token.ts';
import { GOOGLE_SCOPES, OAUTH_READY, OAuthReason, type OAuthService } from './conditions.ts';
import type { EncryptionKeys } from './encryption-keys.ts';
import { checkSecretOwner, checkSecretRefNamespace } from './secret-ref.ts';
import { deleteCredentials, ensurePgcrypto, upsertCredential } from './store.ts';

export interface OAuthComponentOptions {
  pool: pg.Pool;
  /** The pgcrypto keys (see loadEncryptionKeys); a function is called on every reconcile, so rotation is picked up. */
  keys: EncryptionKeys | (() => Promise<EncryptionKeys>);
  /** How long a stored, validated client stands before it is read and stored again (default 10 minutes). */
  checkIntervalMs?: number;
}

const CHECK_INTERVAL_MS = 10 * 60_000;

const SERVICES_BY_TOOL: Partial<Record<Tool, OAuthService[]>> = {
  google_drive: ['google_drive'],
  email: ['gmail'],
  file_download_email: ['google_drive', 'gmail'],
};

/**
 * The `oauth` component: the department's Google OAuth client, encrypted at rest with every seed scope,
 * validated by one refresh per client whose access token goes on to n8n, which refreshes from then on
 * (see access-token.ts for who refreshes and why).
 */
export function createOAuthComponent(options: OAuthComponentOptions): Component {
  const tokens = new AccessTokens();
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
    const services = servicesFor(ctx.department.spec.enabledTools);
    if (services.length === 0) return result('True', OAuthReason.NotUsed, 'no enabled tool uses Google');
    pgcrypto ??= ensurePgcrypto(options.pool);
    await pgcrypto;
    const current = await keys();
    let rotated = false;
    for (const service of services) {
      const changed = await upsertCredential(options.pool, current, {
        departmentId: department,
        service,
        clientId: client.client_id,
        clientSecret: client.client_secret,
        refreshToken: client.refresh_token,
        appName: `${ctx.department.spec.displayName} AIO Assistant`.slice(0, 255),
        scopes: GOOGLE_SCOPES,
      });
      rotated ||= changed;
    }
    if (rotated) await ctx.events.event('Normal', 'OAuthCredentialStored', `stored the OAuth client from ${where}`);
    const secretVersion = `${secret.metadata?.uid}/${secret.metadata?.resourceVersion}`;
    return validateClient({
      pool: options.pool,
      keys: current,
      tokens,
      department,
      services,
      client,
      where,
      secretVersion,
      outputs: { secretRef: ref, clientId: client.client_id, secretVersion },
    });
  };

  /** Rows of services no enabled tool uses any more (or all, without spec.oauth) are not kept. */
  const removeUnused = async (ctx: ComponentContext): Promise<void> => {
    const keep = ctx.department.spec.oauth?.secretRef ? servicesFor(ctx.department.spec.enabledTools) : [];
    const removed = await deleteCredentials(options.pool, ctx.department.metadata.name, keep);
    if (keep.length === 0) tokens.forget(ctx.department.metadata.name);
    if (removed > 0) {
      await ctx.events.event(
        'Normal',
        'OAuthCredentialRemoved',
        `removed ${removed} stored OAuth credential(s) no tool uses`,
      );
    }
  };

  return {
    name: 'oauth',
    conditionType: OAUTH_READY,
    dependsOn: ['namespace', 'database'],
    // A changed client Secret (labelled for its department) is checked at once; the access token's renewal asks
    // for its own pass.
    checkIntervalMs: options.checkIntervalMs ?? CHECK_INTERVAL_MS,
    apply: async (ctx) => {
      await removeUnused(ctx);
      return apply(ctx);
    },
    delete: async (ctx) => {
      if (ctx.department.spec.deletionPolicy === 'Retain') {
        return result('False', OAuthReason.Retained, 'OAuth credentials kept (Retain)');
      }
      const removed = await deleteCredentials(options.pool, ctx.department.metadata.name);
      tokens.forget(ctx.department.metadata.name);
      return result('False', OAuthReason.Deleted, `removed ${removed} stored OAuth credential(s)`);
    },
  };
}

function servicesFor(tools: readonly Tool[]): OAuthService[] {
  return [...new Set(tools.flatMap((t) => SERVICES_BY_TOOL[t] ?? []))].sort();
}

function result(status: 'True' | 'False', reason: string, message: string): ComponentResult {
  return { condition: { status, reason, message } };
}
