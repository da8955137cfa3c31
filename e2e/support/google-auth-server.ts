import { createServer, type Server } from 'node:http';
import OAuth2Server from '@node-oauth/oauth2-server';

/**
 * A real RFC 6749 authorization server for tests (@node-oauth/oauth2-server) on loopback: it authenticates
 * the client and validates refresh tokens itself (`/token`), and stands in for a Google API as a resource
 * server that accepts only a valid, unexpired access token it issued (`/resource`, RFC 6750 bearer).
 */
export interface TestAuthServer {
  tokenUri: string;
  resourceUri: string;
  /** Registers a client (or changes its secret) and issues it a refresh token. */
  register(clientId: string, clientSecret: string): string;
  /** The next n token requests answer 503. */
  failNext(n: number): void;
  /** Every access token issued so far stops working (as an hour passing would do). */
  expireAccessTokens(): void;
  /** Revokes every refresh token and access token of the client (a consent withdrawn or replaced). */
  revokeClient(clientId: string): void;
  /** Successful refresh_token grants so far. */
  readonly refreshes: number;
  /** Requests `/resource` accepted so far. */
  readonly served: number;
  close(): Promise<void>;
}

interface Issued {
  clientId: string;
  expiresAt: Date;
}

export async function startAuthServer(accessTokenLifetimeSeconds = 3600): Promise<TestAuthServer> {
  const clients = new Map<string, string>();
  const refreshTokens = new Map<string, Issued>();
  const accessTokens = new Map<string, Issued>();
  const model: OAuth2Server.RefreshTokenModel = {
    getClient: async (id, secret) =>
      clients.has(id) && (secret === null || clients.get(id) === secret)
        ? { id, grants: ['refresh_token'], accessTokenLifetime: accessTokenLifetimeSeconds }
        : false,
    getRefreshToken: async (token) => {
      const found = refreshTokens.get(token);
      return found
        ? {
            refreshToken: token,
            refreshTokenExpiresAt: found.expiresAt,
            client: { id: found.clientId, grants: [] },
            user: {},
          }
        : false;
    },
    revokeToken: async (token) => refreshTokens.delete(token.refreshToken),
    saveToken: async (token, client, user) => {
      accessTokens.set(token.accessToken, {
        clientId: client.id,
        expiresAt: token.accessTokenExpiresAt ?? new Date(Date.now() + accessTokenLifetimeSeconds * 1000),
      });
      if (token.refreshToken) {
        refreshTokens.set(token.refreshToken, {
          clientId: client.id,
          expiresAt: token.refreshTokenExpiresAt ?? new Date(Date.now() + 864e5),
        });
      }
      return { ...token, client, user };
    },
    getAccessToken: async (token) => {
      const found = accessTokens.get(token);
      return found
        ? {
            accessToken: token,
            accessTokenExpiresAt: found.expiresAt,
            client: { id: found.clientId, grants: [] },
            user: {},
          }
        : false;
    },
  };
  const oauth = new OAuth2Server({
    model,
    accessTokenLifetime: accessTokenLifetimeSeconds,
    alwaysIssueNewRefreshToken: false,
  });
  let failing = 0;
  const state = { refreshes: 0, served: 0 };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', async () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const request = new OAuth2Server.Request({
        method: req.method ?? 'POST',
        headers: req.headers as Record<string, string>,
        query: {},
        body: path === '/token' ? Object.fromEntries(new URLSearchParams(raw)) : {},
      });
      const response = new OAuth2Server.Response({ headers: {} });
      if (path === '/resource') {
        try {
          const token = await oauth.authenticate(request, response);
          state.served++;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true, client: token.client.id }));
        } catch (error) {
          // An expired or unknown token is an InvalidTokenError (code 401), which leaves response.status alone.
          const { code, name } = error as { code?: number; name?: string };
          res.writeHead(code ?? 401, { 'content-type': 'application/json', ...(response.headers ?? {}) });
          res.end(JSON.stringify({ error: name ?? 'invalid_token' }));
        }
        return;
      }
      if (failing > 0) {
        failing--;
        res.writeHead(503).end();
        return;
      }
      try {
        await oauth.token(request, response);
        state.refreshes++;
      } catch {
        // the library has already put the RFC 6749 error (invalid_grant, invalid_client, ...) into response
      }
      res.writeHead(response.status ?? 500, { 'content-type': 'application/json', ...(response.headers ?? {}) });
      res.end(JSON.stringify(response.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const forClient = (map: Map<string, Issued>, clientId: string) => {
    for (const [token, issued] of map) if (issued.clientId === clientId) map.delete(token);
  };
  return {
    tokenUri: `http://127.0.0.1:${port}/token`,
    resourceUri: `http://127.0.0.1:${port}/resource`,
    register(clientId, clientSecret) {
      clients.set(clientId, clientSecret);
      const token = `rt-${clientId}-${Math.random().toString(36).slice(2)}`;
      refreshTokens.set(token, { clientId, expiresAt: new Date(Date.now() + 864e5) });
      return token;
    },
    failNext(n) {
      failing = n;
    },
    expireAccessTokens() {
      for (const issued of accessTokens.values()) issued.expiresAt = new Date(Date.now() - 1000);
    },
    revokeClient(clientId) {
      forClient(refreshTokens, clientId);
      forClient(accessTokens, clientId);
    },
    get refreshes() {
      return state.refreshes;
    },
    get served() {
      return state.served;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
