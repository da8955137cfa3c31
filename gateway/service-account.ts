import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { kubectlOk } from '../e2e/testenv/kubectl.ts';

const MANIFEST = fileURLToPath(new URL('../deploy/gateway.yaml', import.meta.url));
const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);

/**
 * Applies the gateway's ServiceAccount and RBAC from deploy/gateway.yaml (not its Deployment) and writes a
 * kubeconfig that authenticates as that ServiceAccount with a bound token, like the controller's helper.
 */
export async function gatewayKubeconfig(adminKubeconfig: string, outFile: string): Promise<string> {
  const docs = parseAllDocuments(await readFile(MANIFEST, 'utf8'))
    .map((d) => d.toJS())
    .filter((d) => RBAC_KINDS.has(d?.kind));
  await kubectlOk(adminKubeconfig, ['create', 'namespace', 'federation-system', '--dry-run=client', '-o', 'yaml']).then(
    (ns) => kubectlOk(adminKubeconfig, ['apply', '--server-side', '-f', '-'], ns),
  );
  await kubectlOk(adminKubeconfig, ['apply', '--server-side', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
  const token = (
    await kubectlOk(adminKubeconfig, [
      'create',
      'token',
      'federation-gateway',
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
    users: [{ name: 'federation-gateway', user: { token } }],
    contexts: [{ name: 'gateway', context: { cluster: admin.clusters[0].name, user: 'federation-gateway' } }],
    'current-context': 'gateway',
  };
  await writeFile(outFile, stringify(config), { mode: 0o600 });
  return outFile;
}
