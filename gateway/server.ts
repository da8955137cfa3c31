import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { KubeConfig } from '@kubernetes/client-node';
import { createPool } from '../controller/platform/database/pool.ts';
import { createLogger, type Logger } from '../controller/platform/logging/log.ts';
import { createApp } from './app.ts';
import { createOidcIssuer, type OidcIssuerConfig } from './identity/oidc-issuer.ts';
import { PlatformKeys } from './identity/platform-keys.ts';
import { Revocations } from './identity/revocations.ts';
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
  poolMax?: number;
  log?: Logger;
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
  const revocations = new Revocations(pool);
  const departments = kubeDepartmentClient(opts.kubeConfig);
  const limiter = new PgRateLimiter(pool);
  const fixed = opts.rateLimitPerMinute;
  const app = createApp({
    pool,
    platformKeys,
    verify: createVerifier({
      platformKeys: platformKeys.getKey,
      isRevoked: (d, iat) => revocations.isRevoked(d, iat),
      oidc: (opts.oidc ?? []).map((o) => createOidcIssuer(o)),
    }),
    metrics: createMetrics(),
    limiter,
    limitFor:
      fixed !== undefined ? async () => fixed : departmentLimits({ departments, fallback: DEFAULT_QUERIES_PER_MINUTE }),
    departments,
    provisioningPerHour: opts.provisioningPerHour,
    reportError: (err) => log.error('request failed', { error: err instanceof Error ? err.message : String(err) }),
  });
  const sweep = setInterval(() => {
    limiter.sweep().catch((err: Error) => log.warn('rate-limit sweep failed', { error: err.message }));
  }, 3_600_000);
  sweep.unref();
  const server = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: opts.host ?? '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  log.info('gateway listening', { address: url }); // not `url`: the logger redacts that key (database URLs)
  return {
    url,
    async stop() {
      clearInterval(sweep);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      departments.close();
      await pool.end();
    },
  };
}
