import { z } from 'zod';

export type RefreshOutcome =
  | { ok: true; accessToken: string; expiresInSeconds: number; refreshToken: string | undefined }
  /** invalid_client / unauthorized_client: the client id or secret is wrong. */
  | { ok: false; kind: 'invalid_client'; error: string }
  /** invalid_grant and other 4xx: the refresh token is revoked or expired; a human must consent again. */
  | { ok: false; kind: 'rejected'; error: string }
  /** 5xx, timeouts, refused connections: worth retrying with backoff. */
  | { ok: false; kind: 'transient'; error: string };

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive().default(3600),
  refresh_token: z.string().min(1).optional(),
});

const errorResponse = z.object({ error: z.string().max(100) }).loose();

/** RFC 6749 §6 refresh_token grant, client authenticated with HTTP Basic (§2.3.1). Never puts a token value in an error. */
export async function refreshAccessToken(
  tokenUri: string,
  client: { id: string; secret: string },
  refreshToken: string,
  timeoutMs = 15_000,
): Promise<RefreshOutcome> {
  let response: Response;
  try {
    const basic = Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString(
      'base64',
    );
    response = await fetch(tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { ok: false, kind: 'transient', error: `token endpoint unreachable (${(error as Error).name})` };
  }
  const body = await response.json().catch(() => undefined);
  if (response.status >= 500)
    return { ok: false, kind: 'transient', error: `token endpoint answered ${response.status}` };
  if (!response.ok) {
    const code = errorResponse.safeParse(body).data?.error ?? `http_${response.status}`;
    const kind = code === 'invalid_client' || code === 'unauthorized_client' ? 'invalid_client' : 'rejected';
    return { ok: false, kind, error: code };
  }
  const parsed = tokenResponse.safeParse(body);
  if (!parsed.success) return { ok: false, kind: 'transient', error: 'token endpoint sent no access_token' };
  return {
    ok: true,
    accessToken: parsed.data.access_token,
    expiresInSeconds: parsed.data.expires_in,
    refreshToken: parsed.data.refresh_token,
  };
}
