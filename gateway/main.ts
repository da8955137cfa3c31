// The gateway process (deploy/base/gateway.yaml): configuration from the environment, SIGTERM drains.
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { createLogger } from '../controller/platform/logging/log.ts';
import { handleFatalErrors } from '../controller/platform/process/fatal-errors.ts';
import { embeddingProvidersFromEnv } from './documents/embeddings.ts';
import { oidcIssuerConfig } from './identity/oidc-issuer.ts';
import { serveGateway } from './server.ts';
import { gatewaySettings } from './settings.ts';

const env = gatewaySettings.parse(process.env);

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
  poolMax: env.DATABASE_POOL_MAX,
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
