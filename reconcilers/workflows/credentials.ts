import { createHash } from 'node:crypto';
import type { DatabaseSecret } from './database-secret.ts';
import type { GoogleClientInput } from './oauth-input.ts';
import type { WebhookCredential } from './webhook-secret.ts';

export type CredentialKind = 'webhook' | 'postgres' | 'googleDrive' | 'gmail';

/** n8n's credential type and the label used in the credential's name, per kind. */
export const CREDENTIAL_KINDS: Record<CredentialKind, { type: string; label: string }> = {
  webhook: { type: 'httpHeaderAuth', label: 'Webhook auth' },
  postgres: { type: 'postgres', label: 'PostgreSQL' },
  googleDrive: { type: 'googleDriveOAuth2Api', label: 'Google Drive' },
  gmail: { type: 'gmailOAuth2', label: 'Gmail' },
};

export interface DesiredCredential {
  kind: CredentialKind;
  /** `<department> · <label> · <version>`: deterministic, and a new source version means a new credential. */
  name: string;
  type: string;
  data: Record<string, unknown>;
}

/** Every credential the component creates for a department starts with this; it never touches others. */
export function credentialPrefix(department: string): string {
  return `${department} · `;
}

/**
 * The version tag comes from the source Secret's uid and resourceVersion, not from its values, so the
 * name says that a credential is stale without revealing anything about the secret in it.
 */
function credentialName(department: string, kind: CredentialKind, sourceVersion: string): string {
  const version = createHash('sha256').update(`${department}\0${kind}\0${sourceVersion}`).digest('hex').slice(0, 12);
  return `${credentialPrefix(department)}${CREDENTIAL_KINDS[kind].label} · ${version}`;
}

/** n8n's Header Auth credential: every Webhook node of the department requires this header and value. */
export function webhookCredential(department: string, webhook: WebhookCredential): DesiredCredential {
  return {
    kind: 'webhook',
    name: credentialName(department, 'webhook', webhook.version),
    type: CREDENTIAL_KINDS.webhook.type,
    data: { name: webhook.header, value: webhook.token },
  };
}

export function postgresCredential(department: string, db: DatabaseSecret): DesiredCredential {
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(db.host);
  return {
    kind: 'postgres',
    name: credentialName(department, 'postgres', db.version),
    type: CREDENTIAL_KINDS.postgres.type,
    data: {
      host: db.host,
      port: db.port,
      database: db.database,
      user: db.user,
      password: db.password,
      ssl: loopback ? 'disable' : 'require',
      allowUnauthorizedCerts: false,
      sshTunnel: false,
    },
  };
}

/**
 * n8n's own Google OAuth2 credential: n8n refreshes the access token itself (on a 401 from Google, with the
 * client and refresh token given here) and stores the result encrypted under its own key. It cannot sign a
 * request without an access token, so the one the oauth component obtained when it validated the client is
 * the credential's first; an expired one is fine, n8n refreshes it on first use.
 */
export function googleCredential(
  department: string,
  kind: 'googleDrive' | 'gmail',
  google: GoogleClientInput,
): DesiredCredential {
  const token = google.refreshToken
    ? {
        oauthTokenData: {
          token_type: 'Bearer',
          refresh_token: google.refreshToken,
          scope: google.scopes.join(' '),
          ...(google.accessToken ? { access_token: google.accessToken } : {}),
          ...(google.expiresAt ? { expires_in: Math.max(0, Math.floor((google.expiresAt - Date.now()) / 1000)) } : {}),
        },
      }
    : {};
  return {
    kind,
    name: credentialName(department, kind, google.version),
    type: CREDENTIAL_KINDS[kind].type,
    // The public API validates against the type's visible properties; these are the ones it requires.
    data: {
      serverUrl: '',
      clientId: google.clientId,
      clientSecret: google.clientSecret,
      sendAdditionalBodyProperties: false,
      additionalBodyProperties: {},
      ...token,
    },
  };
}
