import type pg from 'pg';

/** Whether a department's stored Google client is still known good, for the agent-health monitor's oauth check. */
export interface OAuthFreshness {
  ok: boolean;
  /** What was found; never a secret. */
  message: string;
}

/**
 * The seed's `oauth_credentials` health check, from what the oauth component records: each token-endpoint
 * answer renews token_expires_at (it refreshes again when the token expires, as n8n does), so a token that
 * expired more than `graceMs` ago was not renewed: the client or its refresh token was refused, or nobody could
 * ask. A department without stored rows (no Google tool, or no spec.oauth) has nothing to check: undefined.
 */
export function oauthFreshness(pool: pg.Pool, graceMs = 120_000) {
  return async function check(department: string): Promise<OAuthFreshness | undefined> {
    const { rows } = await pool.query<{
      service_name: string;
      has_refresh_token: boolean;
      token_expires_at: Date | null;
      last_refreshed_at: Date | null;
    }>(
      `SELECT service_name, refresh_token_encrypted IS NOT NULL AS has_refresh_token, token_expires_at,
              last_refreshed_at
         FROM federation.oauth_credentials WHERE department_id = $1 ORDER BY service_name`,
      [department],
    );
    if (rows.length === 0) return undefined;
    const services = rows.map((r) => r.service_name).join(', ');
    if (rows.some((r) => !r.has_refresh_token)) {
      return { ok: true, message: `${services}: client stored without a refresh_token (nothing to refresh)` };
    }
    const expires = Math.min(...rows.map((r) => r.token_expires_at?.getTime() ?? 0));
    if (expires === 0) return { ok: false, message: `${services}: the client has not been validated yet` };
    const refreshed = rows[0]?.last_refreshed_at?.toISOString() ?? 'never';
    if (expires + graceMs < Date.now()) {
      return {
        ok: false,
        message: `${services}: the access token expired at ${new Date(expires).toISOString()} and was not renewed (last refresh ${refreshed})`,
      };
    }
    return {
      ok: true,
      message: `${services}: token valid until ${new Date(expires).toISOString()} (refreshed ${refreshed})`,
    };
  };
}
