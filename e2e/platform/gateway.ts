import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { GATEWAY_DATABASE_SECRET } from '../../controller/platform/database/gateway-role.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { readSecretData } from '../../controller/platform/kube/secrets.ts';
import type { Platform } from '../testenv/platform.ts';
import type { ProductionTree } from '../testenv/production-tree.ts';
import { gatewayKubeconfig } from '../testenv/service-account.ts';
import { waitFor } from '../testenv/wait.ts';
import { entryPoint, handTo, waitUntilReady } from './controller.ts';
import { ensureLocalBuild } from './local-build.ts';

/**
 * The gateway on the local platform, set up as in a cluster: the controller's leader creates the gateway's
 * database role and Secret federation-system/gateway-database; the gateway runs as its own process with that
 * role and its own ServiceAccount, never as admin.
 */
export async function startGateway(
  platform: Platform,
  port: number,
  tree?: ProductionTree,
  localBuild = false,
): Promise<{ url: string }> {
  const admin = new KubeConfig();
  admin.loadFromFile(platform.kubeconfig);
  const kube = new RestClient(admin);
  let databaseUrl: string | undefined;
  try {
    await waitFor(
      async () => {
        databaseUrl = (await readSecretData(kube, GATEWAY_DATABASE_SECRET))?.url;
        return databaseUrl !== undefined;
      },
      // On a first run the controller writes it once n8n is up (npm start starts the gateway beside n8n).
      { timeoutMs: 360_000, describe: () => 'the controller did not create Secret federation-system/gateway-database' },
    );
  } finally {
    kube.close();
  }
  const kubeconfig = await gatewayKubeconfig(platform.kubeconfig, join(platform.runDir, 'gateway.kubeconfig'));
  if (!tree && localBuild) await ensureLocalBuild();
  const { args, user } = entryPoint(tree, 'gateway/main', localBuild);
  const proc = platform.startProcess(
    'gateway',
    process.execPath,
    args,
    {
      ...(tree ? { PATH: process.env.PATH } : process.env),
      ...tree?.targets.gateway.env,
      KUBECONFIG: handTo(kubeconfig, tree),
      GATEWAY_DATABASE_URL: databaseUrl as string,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    user,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady('gateway', proc, url);
  return { url };
}
