/** Names shared by the token component, the key store, the CLI and the gateway. */
export const PLATFORM_ISSUER = 'https://federation.synrg.io/platform';
export const GATEWAY_AUDIENCE = 'federation-gateway';
/** RFC 9068 access-token type; the gateway refuses any other `typ`. */
export const TOKEN_TYPE = 'at+jwt';
export const SIGNING_ALG = 'ES256';

export const KEY_SECRET_NAMESPACE = 'federation-system';
export const KEY_SECRET_NAME = 'gateway-signing-keys';
export const TOKEN_SECRET_NAME = 'gateway-token';

export const GATEWAY_TOKEN_READY = 'GatewayTokenReady';
export const Reason = {
  TokenIssued: 'TokenIssued',
  TokenRevoked: 'TokenRevoked',
  /** Revoked within the current second: a token minted now would be refused, so one is minted at the next. */
  RecentlyRevoked: 'RecentlyRevoked',
} as const;

export const ROLES = ['agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const HOUR_SECONDS = 3600;
export const DAY_SECONDS = 24 * HOUR_SECONDS;
