import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { KubeConfig } from '@kubernetes/client-node';
import { createPool } from '../controller/platform/database/pool.ts';
import { createLogger, type Logger } from '../controller/platform/logging/log.ts';
import { PLATFORM_ISSUER } from '../controller/platform/tokens/constants.ts';
import { createApp } from './app.ts';
import type { EmbeddingProviders } from './documents/embeddings.ts';
import { admitFrom } from './identity/admission.ts';
import { DepartmentDirectory, listenClient } from './identity/department-directory.ts';
import { createOidcIssuer, type OidcIssuerConfig } from './identity/oidc-issuer.ts';
import { PlatformKeys } from './identity/platform-keys.ts';
import { createVerifier } from './identity/verifier.ts';
import { createMetrics } from './metrics.ts';
import { kubeDepartmentClient } from './provisioning/department-client.ts';
import { DEFAULT_QUERIES_PER_MINUTE, departmentLimits } from './rate-limit/department-limits.ts';
import { PgRateLimiter } from './rate-limit/store.ts';

export interface ServeOptions {
  /** Connection string of the gateway's own login role (Secret gateway-database, field url). */
  databaseUrl: string;
  /** Credentials for the Department calls (the gateway's ServiceAccount). */
  kubeConfig: KubeConfig;
  port?: number;
  host?: string;
  oidc?: OidcIssuerConfig[];
  /** Override every department's limit (benchmarks); otherwise spec.gateway.rateLimitPerMinute or 10. */
  rateLimitPerMinute?: number;
  provisioningPerHour?: number;
  /** Requests without a valid token per client address and minute (default 60). */
  unauthenticatedPerMinute?: number;
  trustedProxyHops?: number;
  poolMax?: number;
  /** How often counted rate-limit refusals move into the audit trail (default 15 s). */
  refusalFlushMs?: number;
  log?: Logger;
  /** Node's process and runtime metrics on /metrics (the gateway process; not in-process test gateways). */
  processMetrics?: boolean;
  /** Embeddings APIs for departments' own documents; none means full-text search only. */
  embeddings?: EmbeddingProviders;
}

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

/** Builds the real dependencies and serves the app on @hono/node-server. */
export async function serveGateway(opts: ServeOptions): Promise<RunningGateway> {
  const log = opts.log ?? createLogger({ component: 'federation-gateway' });
  const pool = createPool({ connectionString: opts.databaseUrl, max: opts.poolMax ?? 20 }, log);
  const platformKeys = new PlatformKeys(pool);
  // Department status and revocations pushed by Postgres (LISTEN), so a revocation reaches every replica at once.
  const directory = new DepartmentDirectory({
    pool,
    listen: listenClient(opts.databaseUrl),
    onError: (err) => log.warn('department push interrupted; reading the database per request', { error: err.message }),
    onIgnored: (message) => log.warn(message, { channel: 'federation_gateway' }),
  });
  await directory.start();
  const departments = kubeDepartmentClient(opts.kubeConfig);
  const limiter = new PgRateLimiter(pool);
  const fixed = opts.rateLimitPerMinute;
  const app = createApp({
    pool,
    platformKeys,
    verify: createVerifier({
      platformKeys: platformKeys.getKey,
      admit: admitFrom(directory, PLATFORM_ISSUER),
      oidc: (opts.oidc ?? []).map((o) => createOidcIssuer(o)),
    }),
    metrics: createMetrics(undefined, { processMetrics: opts.processMetrics }),
    limiter,
    limitFor:
      fixed !== undefined ? async () => fixed : departmentLimits({ departments, fallback: DEFAULT_QUERIES_PER_MINUTE }),
    departments,
    provisioningPerHour: opts.provisioningPerHour,
    unauthenticatedPerMinute: opts.unauthenticatedPerMinute,
    trustedProxyHops: opts.trustedProxyHops,
    embeddings: opts.embeddings,
    reportError: (err) => log.error('request failed', { error: err instanceof Error ? err.message : String(err) }),
  });
  // Refused requests were counted by the limiter; any replica moves finished minutes into the audit trail.
  const flush = setInterval(() => {
    limiter.flushRefusals().catch((err: Error) => log.warn('moving refusal counts failed', { error: err.message }));
  }, opts.refusalFlushMs ?? 15_000);
  flush.unref();
  const server = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: opts.host ?? '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  log.info('gateway listening', { address: url }); // not `url`: the logger redacts that key (database URLs)
  return {
    url,
    async stop() {
      clearInterval(flush);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await limiter
        .flushRefusals(true)
        .catch((err: Error) => log.warn('moving refusal counts failed', { error: err.message }));
      await directory.stop();
      departments.close();
      await pool.end();
    },
  };
}
