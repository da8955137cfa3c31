import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { buildGoBinary, buildOutput, go } from './go-build.ts';
import { cacheDir, ETCD_VERSION, KUBERNETES_VERSION } from './versions.ts';

export interface ControlPlaneBinaries {
  kubeApiserver: string;
  etcd: string;
  /** Garbage collection, the namespace controller, Deployments' ReplicaSets: what a cluster does besides serving. */
  kubeControllerManager: string;
  kubeScheduler: string;
}

/** The Kubernetes commands built from the one k8s.io/kubernetes module (each its own wrapper module). */
const KUBERNETES_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
type KubernetesCommand = (typeof KUBERNETES_COMMANDS)[number];

export function kubernetesBinaryPath(command: KubernetesCommand): string {
  return join(cacheDir(), 'bin', KUBERNETES_VERSION, command);
}

export function etcdBinaryPath(): string {
  return join(cacheDir(), 'bin', ETCD_VERSION, 'etcd');
}

/**
 * Finds etcd, kube-apiserver, kube-controller-manager and kube-scheduler: explicit env (as envtest reads it, with
 * TEST_ASSET_KUBE_CONTROLLER_MANAGER and TEST_ASSET_KUBE_SCHEDULER beside its two), then the cache, else builds
 * what is missing from the Go module proxy under a lock so concurrent runs share one build.
 */
export async function ensureControlPlaneBinaries(): Promise<ControlPlaneBinaries> {
  const bins = binariesFromEnv() ?? {
    etcd: etcdBinaryPath(),
    kubeApiserver: kubernetesBinaryPath('kube-apiserver'),
    kubeControllerManager: kubernetesBinaryPath('kube-controller-manager'),
    kubeScheduler: kubernetesBinaryPath('kube-scheduler'),
  };
  const missing = () => Object.values(bins).some((file) => !existsSync(file));
  if (!missing()) return bins;
  await withBuildLock(async () => {
    if (!existsSync(bins.etcd)) await buildEtcd(bins.etcd);
    for (const command of KUBERNETES_COMMANDS) {
      const output = kubernetesBinaryPath(command);
      if (!existsSync(output)) await buildKubernetesCommand(command, output);
    }
  });
  return bins;
}

function binariesFromEnv(): ControlPlaneBinaries | undefined {
  const assets = process.env.KUBEBUILDER_ASSETS;
  const asset = (env: string, name: string) => process.env[env] ?? (assets ? join(assets, name) : undefined);
  const kubeApiserver = asset('TEST_ASSET_KUBE_APISERVER', 'kube-apiserver');
  const etcd = asset('TEST_ASSET_ETCD', 'etcd');
  if (!kubeApiserver || !etcd) return undefined;
  for (const file of [kubeApiserver, etcd]) {
    if (!existsSync(file))
      throw new Error(`control-plane binary ${file} (from KUBEBUILDER_ASSETS/TEST_ASSET_*) does not exist`);
  }
  // envtest ships only the API server and etcd: the other two come from the same place when it has them, else
  // from the cache (built there when missing).
  const other = (env: string, command: KubernetesCommand) => {
    const given = asset(env, command);
    return given && existsSync(given) ? given : kubernetesBinaryPath(command);
  };
  return {
    kubeApiserver,
    etcd,
    kubeControllerManager: other('TEST_ASSET_KUBE_CONTROLLER_MANAGER', 'kube-controller-manager'),
    kubeScheduler: other('TEST_ASSET_KUBE_SCHEDULER', 'kube-scheduler'),
  };
}

/**
 * Serialises a slow cache build with every other process building the same kind: `go` (the Go builds, which
 * are CPU bound and fight over two cores) or another name (the n8n npm install, network and disk bound, may run
 * beside the Go builds).
 */
export async function withBuildLock<T>(fn: () => Promise<T>, kind = 'go'): Promise<T> {
  const dir = join(cacheDir(), 'bin');
  await mkdir(dir, { recursive: true });
  // One lock target per kind: proper-lockfile keeps its own locks by target path, so two kinds locking the same
  // directory in one process (prepare runs the Go builds beside the n8n install) would release each other's.
  const name = kind === 'go' ? '.build' : `.build-${kind}`;
  const release = await lockfile.lock(join(dir, name), {
    realpath: false,
    stale: 60_000,
    update: 10_000,
    retries: { retries: 1000, minTimeout: 1000, maxTimeout: 5000 },
    lockfilePath: join(dir, `${name}.lock`),
  });
  try {
    return await fn();
  } finally {
    await release();
  }
}

async function buildEtcd(output: string): Promise<void> {
  await mkdir(join(output, '..'), { recursive: true });
  await buildGoBinary({
    label: `etcd ${ETCD_VERSION}`,
    workDir: join(cacheDir(), 'build', `etcd-${ETCD_VERSION}`),
    goMod: `module federation.local/etcd\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 ${ETCD_VERSION}\n`,
    toolsImport: 'go.etcd.io/etcd/server/v3',
    pkg: 'go.etcd.io/etcd/server/v3',
    output,
  });
}

/**
 * Builds one command of k8s.io/kubernetes. The module replaces its staging modules with ./staging paths, so the
 * wrapper module pins each to the matching v0.x release; the commands share every compiled package through Go's
 * build cache, so the second and third cost only what is their own.
 */
async function buildKubernetesCommand(command: KubernetesCommand, output: string): Promise<void> {
  await mkdir(join(output, '..'), { recursive: true });
  const label = `${command} ${KUBERNETES_VERSION}`;
  const workDir = join(cacheDir(), 'build', `${command}-${KUBERNETES_VERSION}`);
  await mkdir(workDir, { recursive: true });
  buildOutput.write(`[${label}] fetching k8s.io/kubernetes@${KUBERNETES_VERSION}\n`);
  const info = JSON.parse(
    await go(['mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES_VERSION}`], workDir, label),
  );
  const staging = stagingModules(await readFile(info.GoMod, 'utf8'));
  const stagingVersion = KUBERNETES_VERSION.replace(/^v1\./, 'v0.');
  const replaces = staging.map((m) => `replace ${m} => ${m} ${stagingVersion}`).join('\n');
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const v = 'k8s.io/component-base/version';
  await buildGoBinary({
    label,
    workDir,
    goMod: `module federation.local/${command}\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes ${KUBERNETES_VERSION}\n\n${replaces}\n`,
    toolsImport: `k8s.io/kubernetes/cmd/${command}`,
    pkg: `k8s.io/kubernetes/cmd/${command}`,
    ldflags: `-s -w -X ${v}.gitVersion=${KUBERNETES_VERSION} -X ${v}.gitMajor=${major} -X ${v}.gitMinor=${minor} -X ${v}.gitTreeState=clean`,
    output,
  });
}

/** The staging modules k8s.io/kubernetes replaces with ./staging paths; each must be pinned to v0.x. */
export function stagingModules(goMod: string): string[] {
  return [...goMod.matchAll(/^\s*(?:replace\s+)?(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1] as string);
}
