import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { kubectlOk } from './kubectl.ts';
import { REPO_ROOT } from './platform.ts';

const NAMESPACE = 'federation-system';
const RBAC_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/**
 * Applies the namespace, ServiceAccount and RBAC objects of a deploy/ manifest (never its Deployment) and
 * writes a kubeconfig that authenticates as that ServiceAccount with a bound token from the TokenRequest API,
 * not as system:masters: the tests and `npm start` run each process with exactly the rights it ships with.
 */
export async function serviceAccountKubeconfig(opts: {
  adminKubeconfig: string;
  /** A file under deploy/. */
  manifest: string;
  serviceAccount: string;
  outFile: string;
}): Promise<string> {
  const docs = parseAllDocuments(await readFile(join(REPO_ROOT, 'deploy', opts.manifest), 'utf8'))
    .map((d) => d.toJS())
    .filter((d) => RBAC_KINDS.has(d?.kind));
  const namespace = await kubectlOk(opts.adminKubeconfig, [
    'create',
    'namespace',
    NAMESPACE,
    '--dry-run=client',
    '-o',
    'yaml',
  ]);
  await kubectlOk(opts.adminKubeconfig, ['apply', '--server-side', '-f', '-'], namespace);
  await kubectlOk(
    opts.adminKubeconfig,
    ['apply', '--server-side', '-f', '-'],
    docs.map((d) => stringify(d)).join('---\n'),
  );
  const token = (
    await kubectlOk(opts.adminKubeconfig, ['create', 'token', opts.serviceAccount, '-n', NAMESPACE, '--duration=6h'])
  ).trim();
  const admin = parse(await readFile(opts.adminKubeconfig, 'utf8'));
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: admin.clusters,
    users: [{ name: opts.serviceAccount, user: { token } }],
    contexts: [{ name: opts.serviceAccount, context: { cluster: admin.clusters[0].name, user: opts.serviceAccount } }],
    'current-context': opts.serviceAccount,
  };
  await writeFile(opts.outFile, stringify(config), { mode: 0o600 });
  return opts.outFile;
}

/** The controller's ServiceAccount (deploy/base/controller-rbac.yaml). */
export function controllerKubeconfig(adminKubeconfig: string, outFile: string): Promise<string> {
  return serviceAccountKubeconfig({
    adminKubeconfig,
    manifest: 'base/controller-rbac.yaml',
    serviceAccount: 'federation-controller',
    outFile,
  });
}

/** The gateway's ServiceAccount (deploy/base/gateway-rbac.yaml). */
export function gatewayKubeconfig(adminKubeconfig: string, outFile: string): Promise<string> {
  return serviceAccountKubeconfig({
    adminKubeconfig,
    manifest: 'base/gateway-rbac.yaml',
    serviceAccount: 'federation-gateway',
    outFile,
  });
}
