// The gateway process (deploy/base/gateway.yaml): configuration from the environment, SIGTERM drains.
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { createLogger } from '../controller/platform/logging/log.ts';
import { handleFatalErrors } from '../controller/platform/process/fatal-errors.ts';
import { embeddingProvidersFromEnv } from './documents/embeddings.ts';
import { oidcIssuerConfig } from './identity/oidc-issuer.ts';
import { serveGateway } from './server.ts';

const env = z
  .object({
    GATEWAY_DATABASE_URL: z.string().min(1),
    PORT: z.coerce.number().int().min(0).max(65535).default(8443),
    HOST: z.string().default('0.0.0.0'),
    /** JSON array of external OIDC issuers (see gateway/identity/oidc-issuer.ts). */
    OIDC_ISSUERS: z.string().default('[]'),
    PROVISIONING_PER_HOUR: z.coerce.number().int().min(1).default(5),
    UNAUTHENTICATED_PER_MINUTE: z.coerce.number().int().min(1).default(60),
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  })
  .parse(process.env);

const log = createLogger({ component: 'federation-gateway' });
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const gateway = await serveGateway({
  databaseUrl: env.GATEWAY_DATABASE_URL,
  kubeConfig,
  port: env.PORT,
  host: env.HOST,
  oidc: z.array(oidcIssuerConfig).parse(JSON.parse(env.OIDC_ISSUERS)),
  provisioningPerHour: env.PROVISIONING_PER_HOUR,
  unauthenticatedPerMinute: env.UNAUTHENTICATED_PER_MINUTE,
  trustedProxyHops: env.TRUSTED_PROXY_HOPS,
  log,
  processMetrics: true,
  embeddings: embeddingProvidersFromEnv(process.env),
});
let stopping = false;
async function shutdown(reason: string, code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('stopping', { reason });
  await gateway.stop().catch((err: Error) => log.error('stop failed', { error: err.message }));
  process.exit(code);
}
handleFatalErrors({ log, shutdown });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(signal, 0));
