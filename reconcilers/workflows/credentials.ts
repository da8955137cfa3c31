import { createHash } from 'node:crypto';
import type { OAuthClientSecret } from '../../crds/secrets.ts';
import type { DatabaseSecret } from './database-secret.ts';

export type CredentialKind = 'postgres' | 'googleDrive' | 'gmail';

/** n8n's credential type and the label used in the credential's name, per kind. */
export const CREDENTIAL_KINDS: Record<CredentialKind, { type: string; label: string }> = {
  postgres: { type: 'postgres', label: 'PostgreSQL' },
  googleDrive: { type: 'googleDriveOAuth2Api', label: 'Google Drive' },
  gmail: { type: 'gmailOAuth2', label: 'Gmail' },
};

export interface DesiredCredential {
  kind: CredentialKind;
  /** `<department> · <label> · <version>`: a new Secret version means a new credential. */
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

export function googleCredential(
  department: string,
  kind: 'googleDrive' | 'gmail',
  oauth: OAuthClientSecret & { version: string },
): DesiredCredential {
  return {
    kind,
    name: credentialName(department, kind, oauth.version),
    type: CREDENTIAL_KINDS[kind].type,
    // The public API validates against the type's visible properties; these are the ones it requires.
    data: {
      serverUrl: '',
      clientId: oauth.client_id,
      clientSecret: oauth.client_secret,
      sendAdditionalBodyProperties: false,
      additionalBodyProperties: {},
      ...(oauth.refresh_token ? { oauthTokenData: { refresh_token: oauth.refresh_token, token_type: 'Bearer' } } : {}),
    },
  };
}
