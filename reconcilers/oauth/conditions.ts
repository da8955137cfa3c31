/** Condition type and reasons of the oauth component. */
export const OAUTH_READY = 'OAuthReady';

export const OAuthReason = {
  Valid: 'Valid',
  NotConfigured: 'NotConfigured',
  MissingSecret: 'MissingSecret',
  InvalidClient: 'InvalidClient',
  RefreshFailed: 'RefreshFailed',
  Expiring: 'Expiring',
  Retained: 'Retained',
  Deleted: 'Deleted',
  /** spec.oauth.secretRef names a Secret this department may not use (Stalled). */
  SecretRefForbidden: 'SecretRefForbidden',
} as const;

/** Google scopes per service, as in the seed. */
export const SERVICE_SCOPES = {
  google_drive: ['https://www.googleapis.com/auth/drive.readonly'],
  gmail: ['https://www.googleapis.com/auth/gmail.send'],
  calendar: ['https://www.googleapis.com/auth/calendar.readonly'],
} as const;

export type OAuthService = keyof typeof SERVICE_SCOPES;
