import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { kubectlOk } from './kubectl.ts';
import { REPO_ROOT } from './platform.ts';

/**
 * Applies deploy/rbac.yaml and writes a kubeconfig that authenticates as the controller's
 * ServiceAccount (a bound token from the TokenRequest API), not as system:masters.
 */
export async function controllerKubeconfig(adminKubeconfig: string, outFile: string): Promise<string> {
  await kubectlOk(adminKubeconfig, ['apply', '--server-side', '-f', join(REPO_ROOT, 'deploy', 'rbac.yaml')]);
  const token = (
    await kubectlOk(adminKubeconfig, [
      'create',
      'token',
      'federation-controller',
      '-n',
      'federation-system',
      '--duration=6h',
    ])
  ).trim();
  const admin = parse(await readFile(adminKubeconfig, 'utf8'));
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: admin.clusters,
    users: [{ name: 'federation-controller', user: { token } }],
    contexts: [{ name: 'controller', context: { cluster: admin.clusters[0].name, user: 'federation-controller' } }],
    'current-context': 'controller',
  };
  await writeFile(outFile, stringify(config), { mode: 0o600 });
  return outFile;
}
