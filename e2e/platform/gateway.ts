import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { GATEWAY_DATABASE_SECRET } from '../../controller/platform/database/gateway-role.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { readSecretData } from '../../controller/platform/kube/secrets.ts';
import { type RunningGateway, serveGateway } from '../../gateway/server.ts';
import { gatewayKubeconfig } from '../testenv/service-account.ts';
import { waitFor } from '../testenv/wait.ts';

export interface StartGatewayOptions {
  /** Path of an admin kubeconfig (the local platform's), to read the gateway's database Secret. */
  kubeconfig: string;
  port?: number;
  host?: string;
}

/**
 * The gateway on the local platform, set up as in a cluster: the controller's leader creates the gateway's
 * database role and Secret federation-system/gateway-database; the gateway serves with that role and its own
 * ServiceAccount, never as admin.
 */
export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const admin = new KubeConfig();
  admin.loadFromFile(opts.kubeconfig);
  const kube = new RestClient(admin);
  let databaseUrl: string | undefined;
  try {
    await waitFor(
      async () => {
        databaseUrl = (await readSecretData(kube, GATEWAY_DATABASE_SECRET))?.url;
        return databaseUrl !== undefined;
      },
      { timeoutMs: 60_000, describe: () => 'the controller did not create Secret federation-system/gateway-database' },
    );
  } finally {
    kube.close();
  }
  const saKubeconfig = await gatewayKubeconfig(
    opts.kubeconfig,
    join(mkdtempSync(join(tmpdir(), 'fed-gw-')), 'kubeconfig'),
  );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(saKubeconfig);
  return serveGateway({ databaseUrl: databaseUrl as string, kubeConfig, port: opts.port, host: opts.host });
}
