/** Condition type and reasons of the oauth component. */
export const OAUTH_READY = 'OAuthReady';

export const OAuthReason = {
  Valid: 'Valid',
  NotConfigured: 'NotConfigured',
  /** spec.oauth is set but no enabled tool uses Google: nothing is stored. */
  NotUsed: 'NotUsed',
  MissingSecret: 'MissingSecret',
  InvalidClient: 'InvalidClient',
  RefreshFailed: 'RefreshFailed',
  Retained: 'Retained',
  Deleted: 'Deleted',
  /** spec.oauth.secretRef names a Secret this department may not use (Stalled). */
  SecretRefForbidden: 'SecretRefForbidden',
} as const;

/** The services a department's Google client is stored for (federation.oauth_credentials.service_name). */
export type OAuthService = 'google_drive' | 'gmail' | 'calendar';

/**
 * The seed's scopes of a department's Google consent (drive, gmail, calendar): one client and one refresh token
 * per department, stored with every service row and handed on to n8n with the token.
 */
export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/drive.readonly',
  'https://www.googleapis.com/auth/gmail.send',
  'https://www.googleapis.com/auth/calendar.readonly',
] as const;
