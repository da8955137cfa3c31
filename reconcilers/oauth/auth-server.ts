import { createServer, type Server } from 'node:http';
import OAuth2Server from '@node-oauth/oauth2-server';

/**
 * A real RFC 6749 authorization server for tests (@node-oauth/oauth2-server) on loopback: it
 * authenticates the client and validates refresh tokens itself; `failNext` makes it answer 503.
 */
export interface TestAuthServer {
  tokenUri: string;
  /** Registers a client and issues it a refresh token. */
  register(clientId: string, clientSecret: string): string;
  /** The next n token requests answer 503. */
  failNext(n: number): void;
  refreshes: number;
  close(): Promise<void>;
}

export async function startAuthServer(accessTokenLifetimeSeconds = 3600): Promise<TestAuthServer> {
  const clients = new Map<string, string>();
  const refreshTokens = new Map<string, { clientId: string; expiresAt: Date }>();
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
      if (token.refreshToken) {
        refreshTokens.set(token.refreshToken, {
          clientId: client.id,
          expiresAt: token.refreshTokenExpiresAt ?? new Date(Date.now() + 864e5),
        });
      }
      return { ...token, client, user };
    },
    getAccessToken: async () => false,
  };
  const oauth = new OAuth2Server({
    model,
    accessTokenLifetime: accessTokenLifetimeSeconds,
    alwaysIssueNewRefreshToken: false,
  });
  let failing = 0;
  const state = { refreshes: 0 };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', async () => {
      if (failing > 0) {
        failing--;
        res.writeHead(503).end();
        return;
      }
      const request = new OAuth2Server.Request({
        method: req.method ?? 'POST',
        headers: req.headers as Record<string, string>,
        query: {},
        body: Object.fromEntries(new URLSearchParams(raw)),
      });
      const response = new OAuth2Server.Response({ headers: {} });
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
  return {
    tokenUri: `http://127.0.0.1:${port}/token`,
    register(clientId, clientSecret) {
      clients.set(clientId, clientSecret);
      const token = `rt-${clientId}-${Math.random().toString(36).slice(2)}`;
      refreshTokens.set(token, { clientId, expiresAt: new Date(Date.now() + 864e5) });
      return token;
    },
    failNext(n) {
      failing = n;
    },
    get refreshes() {
      return state.refreshes;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
