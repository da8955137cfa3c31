import { join } from 'node:path';
import { kubectlOk } from '../testenv/kubectl.ts';
import { type Platform, REPO_ROOT } from '../testenv/platform.ts';
import { freePort } from '../testenv/ports.ts';
import { controllerKubeconfig } from '../testenv/service-account.ts';
import { waitFor } from '../testenv/wait.ts';

/** Runs the controller as its RBAC-bound ServiceAccount against the local API server. */
export async function startController(
  platform: Platform,
  env: Record<string, string>,
): Promise<{ metricsUrl: string }> {
  const kubeconfig = await controllerKubeconfig(platform.kubeconfig, join(platform.runDir, 'controller.kubeconfig'));
  const port = await freePort();
  const proc = platform.startProcess(
    'controller',
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'controller', 'main.ts')],
    {
      ...process.env,
      KUBECONFIG: kubeconfig,
      DATABASE_URL: platform.databaseUrl,
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      POD_NAME: 'local-controller',
      ...env,
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/readyz`)).ok, {
    timeoutMs: 60_000,
    describe: () => `the controller did not become ready:\n${proc.logTail()}`,
  });
  return { metricsUrl: `${base}/metrics` };
}

/** Keeps n8n's API key in a platform Secret, where an in-cluster controller would read it from. */
export async function storeN8nSecret(adminKubeconfig: string, n8n: { url: string; apiKey: string }): Promise<void> {
  const manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'federation-n8n', namespace: 'federation-system' },
    type: 'Opaque',
    stringData: { url: n8n.url, apiKey: n8n.apiKey },
  };
  await kubectlOk(adminKubeconfig, ['apply', '--server-side', '-f', '-'], JSON.stringify(manifest));
}
