import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { migrateFederation } from '../../controller/platform/database/federation-migrate.ts';
import { ensureGatewayDatabase } from '../../controller/platform/database/gateway-role.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { SigningKeyStore } from '../../controller/platform/tokens/key-store.ts';
import { type RunningGateway, serveGateway } from '../../gateway/server.ts';
import { gatewayKubeconfig } from '../testenv/service-account.ts';

export interface StartGatewayOptions {
  /** A superuser connection string (the local platform's DATABASE_URL). */
  databaseUrl: string;
  /** Path of an admin kubeconfig (the local platform's). */
  kubeconfig: string;
  port?: number;
  host?: string;
}

/**
 * The gateway on the local platform: sets up what the controller side owns in production (federation schema,
 * the gateway's login role and Secret, a signing key), then serves as the gateway's own ServiceAccount and
 * database role, never as admin.
 */
export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const admin = new KubeConfig();
  admin.loadFromFile(opts.kubeconfig);
  const kube = new RestClient(admin);
  const adminPool = new pg.Pool({ connectionString: opts.databaseUrl, max: 2 });
  try {
    await migrateFederation(adminPool);
    const databaseUrl = await ensureGatewayDatabase({ adminPool, kube });
    await new SigningKeyStore({ pool: adminPool }).activeKey(kube);
    const saKubeconfig = await gatewayKubeconfig(
      opts.kubeconfig,
      join(mkdtempSync(join(tmpdir(), 'fed-gw-')), 'kubeconfig'),
    );
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(saKubeconfig);
    return await serveGateway({ databaseUrl, kubeConfig, port: opts.port, host: opts.host });
  } finally {
    kube.close();
    await adminPool.end();
  }
}
