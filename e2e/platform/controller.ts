import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlOk } from '../testenv/kubectl.ts';
import type { ManagedProcess } from '../testenv/managed-process.ts';
import { type Platform, REPO_ROOT } from '../testenv/platform.ts';
import { freePort } from '../testenv/ports.ts';
import type { ProductionTree } from '../testenv/production-tree.ts';
import { controllerKubeconfig } from '../testenv/service-account.ts';
import { waitFor } from '../testenv/wait.ts';
import { ensureLocalBuild, LOCAL_BUILD } from './local-build.ts';

/**
 * How a deployable runs: from a production tree as its image's CMD and USER say; from the checkout's local build
 * (LOCAL_BUILD, brought up to date by ensureLocalBuild) when `localBuild` is set, as npm start runs it; otherwise
 * from the sources through tsx (the fault suite, whose engine-process checks expect the plugin run from source).
 */
export function entryPoint(
  tree: ProductionTree | undefined,
  module: 'controller/main' | 'gateway/main',
  localBuild = false,
): { args: string[]; user?: { uid: number; gid: number } } {
  if (!tree && localBuild) return { args: [join(LOCAL_BUILD, `${module}.js`)] };
  if (!tree) return { args: ['--import', 'tsx', join(REPO_ROOT, `${module}.ts`)] };
  return { args: tree.targets[module === 'controller/main' ? 'controller' : 'gateway'].args, user: tree.user };
}

/** A file the (possibly unprivileged) process must read: handed to its user, still unreadable for anyone else. */
export function handTo(file: string, tree: ProductionTree | undefined): string {
  if (tree) chownSync(file, tree.user.uid, tree.user.gid);
  return file;
}

/** The controller's ServiceAccount kubeconfig in the run dir (npm start writes it while n8n boots). */
export function writeControllerKubeconfig(platform: Platform): Promise<string> {
  return controllerKubeconfig(platform.kubeconfig, join(platform.runDir, 'controller.kubeconfig'));
}

/** Runs the controller as its RBAC-bound ServiceAccount against the local API server. */
export async function startController(
  platform: Platform,
  env: Record<string, string>,
  tree?: ProductionTree,
  kubeconfigFile?: Promise<string>,
  localBuild = false,
): Promise<{ metricsUrl: string }> {
  const kubeconfig = await (kubeconfigFile ?? writeControllerKubeconfig(platform));
  if (!tree && localBuild) await ensureLocalBuild();
  const port = await freePort();
  const { args, user } = entryPoint(tree, 'controller/main', localBuild);
  const proc = platform.startProcess(
    'controller',
    process.execPath,
    args,
    {
      ...(tree ? { PATH: process.env.PATH } : process.env),
      KUBECONFIG: handTo(kubeconfig, tree),
      DATABASE_URL: platform.databaseUrl,
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      POD_NAME: 'local-controller',
      ...tree?.targets.controller.env,
      ...env,
    },
    user,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady('controller', proc, base);
  return { metricsUrl: `${base}/metrics` };
}

/** Waits for `<base>/readyz`; gives up at once, with the process's last log lines, when the process exits. */
export async function waitUntilReady(name: string, proc: ManagedProcess, base: string): Promise<void> {
  await waitFor(async () => (await fetch(`${base}/readyz`)).ok, {
    timeoutMs: 60_000,
    gone: () => !proc.running,
    describe: (ended) =>
      `the ${name} ${ended === 'gone' ? 'exited before it was ready' : 'did not become ready in 60 s'}:\n${proc.logTail()}`,
  });
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
