import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withBuildLock } from './binaries.ts';
import { buildGoBinary, go } from './go-build.ts';
import { cacheDir } from './versions.ts';

/** kwok (sigs.k8s.io/kwok): simulated nodes, so pods get scheduled and go Running without a kubelet. */
export const KWOK_VERSION = 'v0.8.0';

export function kwokBinaryPath(): string {
  return process.env.KWOK_BIN ?? join(cacheDir(), 'bin', `kwok-${KWOK_VERSION}`, 'kwok');
}

/**
 * kwok's own "fast" stages (its module's kustomize/stage/, as kwokctl uses them): a node that initialises and
 * keeps its lease, pods that become Ready at once, complete, and go when deleted. Copied from the module at
 * build time, beside the binary.
 */
export function kwokStagesPath(): string {
  return join(cacheDir(), 'bin', `kwok-${KWOK_VERSION}`, 'stages.yaml');
}

const STAGES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

/** Cold, about 4 minutes on this project's 2-core machine (mostly Kubernetes client libraries). */
export const KWOK = {
  name: 'kwok',
  kind: 'go' as const,
  expectedSeconds: 240,
  cached: () => existsSync(kwokBinaryPath()) && existsSync(kwokStagesPath()),
  prepare: async () => (await ensureKwok()).binary,
};

/** Finds kwok (KWOK_BIN, then the cache, else builds it from the Go module proxy) and its stages. */
export async function ensureKwok(): Promise<{ binary: string; stages: string }> {
  const bin = kwokBinaryPath();
  const stages = kwokStagesPath();
  if (process.env.KWOK_BIN && !existsSync(bin)) throw new Error(`KWOK_BIN=${bin} does not exist`);
  if (existsSync(bin) && existsSync(stages)) return { binary: bin, stages };
  await withBuildLock(async () => {
    const workDir = join(cacheDir(), 'build', `kwok-${KWOK_VERSION}`);
    const label = `kwok ${KWOK_VERSION}`;
    await mkdir(dirname(stages), { recursive: true });
    if (!existsSync(bin)) {
      await buildGoBinary({
        label,
        workDir,
        goMod: `module federation.local/kwok\n\ngo 1.26.0\n\nrequire sigs.k8s.io/kwok ${KWOK_VERSION}\n`,
        toolsImport: 'sigs.k8s.io/kwok/cmd/kwok',
        pkg: 'sigs.k8s.io/kwok/cmd/kwok',
        ldflags: '-s -w',
        output: bin,
      });
    }
    if (!existsSync(stages)) {
      const module = JSON.parse(
        await go(['mod', 'download', '-json', `sigs.k8s.io/kwok@${KWOK_VERSION}`], workDir, label),
      );
      const docs = await Promise.all(STAGES.map((f) => readFile(join(module.Dir, 'kustomize', 'stage', f), 'utf8')));
      const header = `# kwok ${KWOK_VERSION} stages (Apache-2.0), from sigs.k8s.io/kwok@${KWOK_VERSION}/kustomize/stage/\n`;
      await writeFile(`${stages}.partial`, header + docs.map((d) => d.trim()).join('\n---\n'));
      await rename(`${stages}.partial`, stages);
    }
  });
  return { binary: bin, stages };
}

/** The one simulated node: kwok manages it (the annotation), and it takes any pod (no taints). */
export const KWOK_NODE = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: 'kwok-node-0',
    annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    labels: {
      'kubernetes.io/hostname': 'kwok-node-0',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      type: 'kwok',
    },
  },
  spec: {},
  status: {
    allocatable: { cpu: '64', memory: '256Gi', pods: '1000' },
    capacity: { cpu: '64', memory: '256Gi', pods: '1000' },
  },
};
