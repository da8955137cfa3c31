import { z } from 'zod';

/**
 * The gateway process's settings, from its environment (gateway/README.md, "Running it"). The Helm chart's
 * `gateway.settings` and the kustomize ConfigMap set them.
 */
export const gatewaySettings = z.object({
  GATEWAY_DATABASE_URL: z.string().min(1),
  PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  HOST: z.string().default('0.0.0.0'),
  /** JSON array of external OIDC issuers (see gateway/identity/oidc-issuer.ts). */
  OIDC_ISSUERS: z.string().default('[]'),
  PROVISIONING_PER_HOUR: z.coerce.number().int().min(1).default(5),
  UNAUTHENTICATED_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * Connections of this replica's pool to Postgres. A search is CPU work in the database, so connections beyond
   * about twice the database's cores (shared by all replicas) add no throughput: they only make queries take
   * turns on its cores and lengthen the slowest (`npm run bench:gateway` on 2 cores: a pool of 4 instead of 10
   * answered as many searches with p99 about 40 % lower). Requests beyond it wait in the gateway, in order.
   */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(20),
});

export type GatewaySettings = z.infer<typeof gatewaySettings>;
