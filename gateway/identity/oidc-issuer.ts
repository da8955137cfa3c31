import { createRemoteJWKSet, customFetch, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { departmentName } from '../../crds/common.ts';
import type { Identity } from './identity.ts';

/** An external OpenID Connect issuer (e.g. Keycloak) whose users act for the department their group names. */
export const oidcIssuerConfig = z.object({
  issuer: z.url(),
  jwksUrl: z.url(),
  audience: z.string().min(1),
  /** Algorithms accepted from this issuer (never `none` or HMAC). */
  algorithms: z.array(z.enum(['RS256', 'PS256', 'ES256', 'EdDSA'])).default(['RS256', 'ES256']),
  /** Expected `typ` header; Keycloak access tokens carry `JWT`. */
  typ: z.string().default('JWT'),
  groupsClaim: z.string().default('groups'),
  /** A group `<prefix><department>` (e.g. `/teams/hr`) maps the user to that department. */
  departmentGroupPrefix: z.string().default('/teams/'),
  /** Members of this group are admins (the provisioning facade). */
  adminGroup: z.string().default('/federation-admins'),
  /** An unknown kid refetches the JWKS at most once per this many milliseconds. */
  cooldownMs: z.number().int().min(0).default(30_000),
});
export type OidcIssuerConfig = z.input<typeof oidcIssuerConfig>;

export interface OidcIssuer {
  config: z.infer<typeof oidcIssuerConfig>;
  getKey: JWTVerifyGetKey;
  /** The identity a verified payload maps to, or undefined when its groups name no single department. */
  identity(payload: JWTPayload): Identity | undefined;
}

export function createOidcIssuer(input: OidcIssuerConfig, fetchImpl?: typeof fetch): OidcIssuer {
  const config = oidcIssuerConfig.parse(input);
  const getKey = createRemoteJWKSet(new URL(config.jwksUrl), {
    cooldownDuration: config.cooldownMs,
    ...(fetchImpl ? { [customFetch]: fetchImpl } : {}),
  });
  return {
    config,
    getKey,
    identity(payload) {
      const groups = z.array(z.string()).safeParse(payload[config.groupsClaim]);
      if (!groups.success || typeof payload.sub !== 'string' || typeof payload.iat !== 'number') return undefined;
      const departments = groups.data
        .filter((g) => g.startsWith(config.departmentGroupPrefix))
        .map((g) => g.slice(config.departmentGroupPrefix.length))
        .filter((d) => departmentName.safeParse(d).success);
      if (departments.length !== 1) return undefined; // none, or ambiguous: refuse rather than guess
      return {
        department: departments[0] as string,
        role: groups.data.includes(config.adminGroup) ? 'admin' : 'agent',
        subject: payload.sub,
        issuer: config.issuer,
        issuedAt: payload.iat,
      };
    },
  };
}
