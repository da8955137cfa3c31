import type pg from 'pg';

export interface TokenExpiry {
  department: string;
  expiresAt: Date;
}

/**
 * When each department's stored Google access token expires: the earliest of its services that hold a refresh
 * token (the oauth component renews those at expiry, so one long past expiry was not renewed). Departments and
 * expiry times only; nothing of the tokens themselves.
 */
export async function oauthTokenExpiries(pool: Pick<pg.Pool, 'query'>): Promise<TokenExpiry[]> {
  const { rows } = await pool.query<{ department_id: string; expires_at: Date }>(
    `SELECT department_id, min(token_expires_at) AS expires_at
       FROM federation.oauth_credentials
      WHERE token_expires_at IS NOT NULL AND refresh_token_encrypted IS NOT NULL
      GROUP BY department_id ORDER BY department_id`,
  );
  return rows.map((r) => ({ department: r.department_id, expiresAt: r.expires_at }));
}
