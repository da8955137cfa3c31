import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { type RailwayServer, startRailwayServer } from './server.ts';

export interface LocalRailway {
  server: RailwayServer;
  /** For the controller's environment (and `.federation/local.env`); secrets live in the platform Secret. */
  env: { RAILWAY_API_URL: string; RUNTIME_PLATFORM_SECRET: string };
}

/**
 * For `npm start`: the local Railway server with a generated token, and the runtime platform Secret
 * (RAILWAY_TOKEN, PULUMI_CONFIG_PASSPHRASE) the runtime component reads, in `federation-system`.
 */
export async function startLocalRailway(
  kubeConfig: KubeConfig,
  opts: { port?: number; stateFile?: string } = {},
): Promise<LocalRailway> {
  const token = randomBytes(24).toString('hex');
  const server = await startRailwayServer({
    port: opts.port ?? 0,
    token,
    ...(opts.stateFile ? { stateFile: opts.stateFile } : {}),
  });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespace = 'federation-system';
  const name = 'runtime-platform';
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((e: { code?: number }) => {
    if (e.code !== 409) throw e;
  });
  const body = {
    metadata: { name, namespace },
    stringData: { RAILWAY_TOKEN: token, PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString('hex') },
  };
  await core.createNamespacedSecret({ namespace, body }).catch(async (e: { code?: number }) => {
    if (e.code !== 409) throw e;
    // Keep the passphrase that encrypted existing state; only the server's token is new.
    const existing = await core.readNamespacedSecret({ name, namespace });
    const data = { ...existing.data, RAILWAY_TOKEN: Buffer.from(token).toString('base64') };
    await core.replaceNamespacedSecret({ name, namespace, body: { ...existing, data } });
  });
  return { server, env: { RAILWAY_API_URL: server.url, RUNTIME_PLATFORM_SECRET: `${namespace}/${name}` } };
}
