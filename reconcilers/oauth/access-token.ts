import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { OAuthClientSecret } from '../../crds/secrets.ts';
import { ComponentError, type ComponentResult } from '../component.ts';
import { GOOGLE_SCOPES, OAuthReason, type OAuthService } from './conditions.ts';
import type { EncryptionKeys } from './encryption-keys.ts';
import { refreshAccessToken } from './refresh.ts';
import { readCredential, recordRefresh } from './store.ts';

/**
 * The last access token each department's validation obtained, in the controller's memory only (the platform
 * does not keep access tokens; n8n keeps its own, encrypted under its key).
 */
export class AccessTokens {
  private readonly tokens = new Map<string, { secretVersion: string; accessToken: string; expiresAt: number }>();

  get(department: string, secretVersion: string) {
    const token = this.tokens.get(department);
    return token?.secretVersion === secretVersion ? token : undefined;
  }

  set(department: string, secretVersion: string, accessToken: string, expiresAt: number): void {
    this.tokens.set(department, { secretVersion, accessToken, expiresAt });
  }

  forget(department: string): void {
    this.tokens.delete(department);
  }
}

export interface Validation {
  pool: pg.Pool;
  keys: EncryptionKeys;
  tokens: AccessTokens;
  department: string;
  /** The service rows stored for the department (the first one is read back). */
  services: OAuthService[];
  client: OAuthClientSecret;
  /** `Secret <namespace>/<name>`, for messages. */
  where: string;
  secretVersion: string;
  outputs: Record<string, unknown>;
}

/**
 * Who refreshes for the tools: n8n. Its Google credentials refresh the access token themselves when Google
 * answers 401, and store the result encrypted in n8n's database (its public API does not show it). The
 * controller refreshes once per client (each new Secret version, and once after a restart, since it keeps
 * access tokens in memory only), which gives n8n's new credential its first access token, and again each time
 * that token expires, when n8n refreshes its own: each refresh re-checks client and refresh token for the
 * OAuthReady condition and records the token endpoint's answer (token_expires_at, last_refreshed_at). The
 * result is handed on in `outputs.google` (never written to status), where the workflows component reads it;
 * a new access token alone makes no new n8n credential.
 */
export async function validateClient(v: Validation): Promise<ComponentResult> {
  const { client, department, where } = v;
  const handOn = (refreshToken?: string, token?: { accessToken: string; expiresAt: number }) => ({
    ...v.outputs,
    google: {
      clientId: client.client_id,
      clientSecret: client.client_secret,
      ...(refreshToken ? { refreshToken } : {}),
      ...(token ? { accessToken: token.accessToken, expiresAt: token.expiresAt } : {}),
      scopes: [...GOOGLE_SCOPES],
      // A refresh token the server rotated is a new n8n credential; the name only ever shows a hash of this.
      version: `${v.secretVersion}#${refreshToken ? createHash('sha256').update(refreshToken).digest('hex') : '-'}`,
    },
  });
  if (!client.refresh_token) {
    v.tokens.forget(department);
    const message = `client stored; ${where} has no refresh_token, so n8n cannot call Google until it has one`;
    return { condition: { status: 'True', reason: OAuthReason.Valid, message }, outputs: handOn() };
  }
  const stored = await readCredential(v.pool, v.keys, department, v.services[0] as OAuthService);
  const refreshToken = stored?.refreshToken ?? client.refresh_token;
  const cached = v.tokens.get(department, v.secretVersion);
  const now = Date.now();
  if (stored?.tokenExpiresAt && cached && cached.expiresAt > now) {
    const message = `client validated; n8n refreshes its own access tokens; re-checked when this one expires (${new Date(cached.expiresAt).toISOString()})`;
    return {
      condition: { status: 'True', reason: OAuthReason.Valid, message },
      outputs: handOn(refreshToken, cached),
      requeueAfterMs: cached.expiresAt - now,
    };
  }
  const outcome = await refreshAccessToken(
    client.token_uri,
    { id: client.client_id, secret: client.client_secret },
    refreshToken,
  );
  if (outcome.ok) {
    const expiresAt = Date.now() + outcome.expiresInSeconds * 1000;
    await recordRefresh(v.pool, v.keys, department, new Date(expiresAt), outcome.refreshToken);
    const token = { accessToken: outcome.accessToken, expiresAt };
    v.tokens.set(department, v.secretVersion, token.accessToken, expiresAt);
    const message = `client validated at ${new Date().toISOString()}; n8n's Google credentials get its access token and refresh it from then on`;
    return {
      condition: { status: 'True', reason: OAuthReason.Valid, message },
      outputs: handOn(outcome.refreshToken ?? refreshToken, token),
      requeueAfterMs: expiresAt - Date.now(),
    };
  }
  v.tokens.forget(department);
  if (outcome.kind === 'invalid_client') {
    const message = `the token endpoint rejected client_id/client_secret in ${where} (${outcome.error})`;
    return { condition: { status: 'False', reason: OAuthReason.InvalidClient, message }, outputs: v.outputs };
  }
  if (outcome.kind === 'rejected') {
    const message = `the token endpoint refused the refresh_token in ${where} (${outcome.error}): obtain a new one and update the Secret`;
    return {
      condition: { status: 'False', reason: OAuthReason.RefreshFailed, message },
      outputs: v.outputs,
      requeueAfterMs: 30 * 60_000,
    };
  }
  // A transient failure (5xx, timeout): the work queue retries with its backoff.
  throw new ComponentError(OAuthReason.RefreshFailed, `could not validate the client: ${outcome.error}`);
}
