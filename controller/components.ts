import type { KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import type { Component } from '../reconcilers/component.ts';
import { createGatewayTokenComponent, SigningKeyStore } from '../reconcilers/gateway-token/index.ts';
import { createWorkflowsComponent } from '../reconcilers/n8n/component.ts';
import { namespaceComponent } from '../reconcilers/namespace/component.ts';
import { createOAuthComponent } from '../reconcilers/oauth/component.ts';
import { postgresGrantSyncer } from '../reconcilers/postgres/grant-syncer.ts';
import {
  createDatabaseComponent,
  endpointFromUrl,
  migrateFederation,
  runRetention,
} from '../reconcilers/postgres/index.ts';
import { runtimeComponentFromEnv } from '../reconcilers/runtime/index.ts';
import type { GrantSyncer } from './grant/reconciler.ts';
import { RestClient } from './kube/rest-client.ts';
import type { Logger } from './log.ts';
import { ensureOAuthKeySecret, rotatingKeys } from './oauth-keys.ts';

export interface Platform {
  components: Component[];
  grantSyncers: GrantSyncer[];
  /** Work only the leader does, on a schedule (retention). */
  leaderTasks: { name: string; everyMs: number; run(): Promise<unknown> }[];
  close(): Promise<void>;
}

const DAY = 24 * 60 * 60 * 1000;

/** The components this controller runs, chosen by what the environment configures. */
export async function buildPlatform(
  env: NodeJS.ProcessEnv,
  workers: number,
  log: Logger,
  kubeConfig?: KubeConfig,
): Promise<Platform> {
  const components: Component[] = [namespaceComponent];
  const grantSyncers: GrantSyncer[] = [];
  const leaderTasks: Platform['leaderTasks'] = [];
  const closers: (() => Promise<void>)[] = [];
  if (env.DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: workers + 4 });
    pool.on('error', (err) => log.warn('idle database connection failed', { error: err.message }));
    closers.push(() => pool.end());
    await migrateFederation(pool);
    components.push(createDatabaseComponent({ pool, endpoint: endpointFromUrl(env.DATABASE_URL) }));
    grantSyncers.push(postgresGrantSyncer(pool));
    // Each department's agent token for the gateway (Secret gateway-token), which the runtime hands its agent.
    components.push(createGatewayTokenComponent({ pool, keys: new SigningKeyStore({ pool }) }));
    if (env.RAILWAY_API_URL || env.RUNTIME_PLATFORM_SECRET) {
      const runtime = await runtimeComponentFromEnv(env);
      runtime.dependsOn.push('gateway-token'); // GATEWAY_TOKEN is in the agent's environment from the first deploy
      components.push(runtime);
    } else {
      log.warn('RAILWAY_API_URL is not set: departments get no runtime on Railway');
    }
    leaderTasks.push({ name: 'retention', everyMs: DAY, run: () => runRetention(pool) });
    if (kubeConfig) {
      const client = new RestClient(kubeConfig);
      await ensureOAuthKeySecret(client);
      client.close();
      components.push(createOAuthComponent({ pool, keys: rotatingKeys(kubeConfig, pool, log) }));
      if (env.N8N_URL && env.N8N_API_KEY) {
        components.push(
          createWorkflowsComponent({
            n8nUrl: env.N8N_URL,
            apiKey: env.N8N_API_KEY,
            webhookBaseUrl: env.N8N_WEBHOOK_BASE_URL,
            pool,
          }),
        );
      } else {
        log.warn('N8N_URL/N8N_API_KEY are not set: departments get no n8n workflows');
      }
    }
  } else {
    log.warn('DATABASE_URL is not set: departments get no Postgres tenant');
  }
  return {
    components,
    grantSyncers,
    leaderTasks,
    close: async () => {
      for (const close of closers) await close();
    },
  };
}
