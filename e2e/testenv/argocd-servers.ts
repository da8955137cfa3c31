import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ARGOCD_VERSION, ensureArgocdCli } from './argocd-cli.ts';
import { withBuildLock } from './binaries.ts';
import { buildGoBinary, go } from './go-build.ts';
import { kubectlOk } from './kubectl.ts';
import type { ManagedProcess } from './managed-process.ts';
import type { Platform } from './platform.ts';
import { freePorts } from './ports.ts';
import { REPO_ROOT } from './repo-root.ts';
import { installThirdPartyCrds } from './third-party-crds.ts';
import { cacheDir } from './versions.ts';
import { waitFor } from './wait.ts';

/** The version argo-cd v3.5.7 itself requires (go.mod): its tests run it as their Redis. */
const MINIREDIS_VERSION = 'v2.38.0';
/** The kustomize whose API (sigs.k8s.io/kustomize/api v0.21.1) argo-cd v3.5.7 is built with. */
const KUSTOMIZE_VERSION = 'v5.8.1';

/**
 * What Argo CD's repo server shells out to, beside the argocd binary: kustomize, and argo-cd's own
 * hack/git-verify-wrapper.sh (Apache-2.0, copied from the module at build time), which it runs on every
 * revision; plus a Redis for the controller's and repo server's caches. Debian's redis-server needs root to
 * install, so Redis is miniredis (a Redis server in Go, the one argo-cd's tests use) behind a four-line main.
 */
function toolsDir(): string {
  return join(cacheDir(), 'bin', `argocd-servers-${ARGOCD_VERSION}`);
}

const tool = (name: string) => join(toolsDir(), name);
const TOOLS = ['redis-server', 'kustomize', 'git-verify-wrapper.sh'];

export const ARGOCD_SERVERS = {
  name: 'argocd servers',
  kind: 'go' as const,
  expectedSeconds: 120,
  cached: () => TOOLS.every((t) => existsSync(tool(t))),
  prepare: async () => {
    await ensureArgocdServerTools();
    return toolsDir();
  },
};

const REDIS_MAIN = `package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alicebob/miniredis/v2"
)

// redis-server <host:port>: serves until SIGTERM or SIGINT.
func main() {
	s := miniredis.NewMiniRedis()
	if err := s.StartAddr(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening on", s.Addr())
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	<-c
	s.Close()
}
`;

export async function ensureArgocdServerTools(): Promise<void> {
  await ensureArgocdCli();
  if (ARGOCD_SERVERS.cached()) return;
  await withBuildLock(async () => {
    await mkdir(toolsDir(), { recursive: true });
    const build = (name: string) => join(cacheDir(), 'build', `${name}-${ARGOCD_VERSION}`);
    if (!existsSync(tool('redis-server'))) {
      await buildGoBinary({
        label: `miniredis ${MINIREDIS_VERSION}`,
        workDir: build('miniredis'),
        goMod: `module federation.local/redis\n\ngo 1.26.0\n\nrequire github.com/alicebob/miniredis/v2 ${MINIREDIS_VERSION}\n`,
        mainSource: REDIS_MAIN,
        pkg: '.',
        ldflags: '-s -w',
        output: tool('redis-server'),
      });
    }
    if (!existsSync(tool('kustomize'))) {
      await buildGoBinary({
        label: `kustomize ${KUSTOMIZE_VERSION}`,
        workDir: build('kustomize'),
        goMod: `module federation.local/kustomize\n\ngo 1.26.0\n\nrequire sigs.k8s.io/kustomize/kustomize/v5 ${KUSTOMIZE_VERSION}\n`,
        toolsImport: 'sigs.k8s.io/kustomize/kustomize/v5',
        pkg: 'sigs.k8s.io/kustomize/kustomize/v5',
        ldflags: '-s -w',
        output: tool('kustomize'),
      });
    }
    if (!existsSync(tool('git-verify-wrapper.sh'))) {
      const workDir = build('argocd');
      await mkdir(workDir, { recursive: true });
      const module = JSON.parse(
        await go(['mod', 'download', '-json', `github.com/argoproj/argo-cd/v3@${ARGOCD_VERSION}`], workDir, 'argocd'),
      );
      await copyFile(join(module.Dir, 'hack', 'git-verify-wrapper.sh'), `${tool('git-verify-wrapper.sh')}.partial`);
      await chmod(`${tool('git-verify-wrapper.sh')}.partial`, 0o755);
      await rename(`${tool('git-verify-wrapper.sh')}.partial`, tool('git-verify-wrapper.sh'));
    }
  });
}

export interface ArgoCd {
  namespace: 'argocd';
  /** The destination server Applications name: this API server, registered as a cluster Secret. */
  clusterServer: string;
  processes: ManagedProcess[];
}

/**
 * Runs Argo CD's application controller and repo server (the argocd binary under those two names, as its image
 * does) with a Redis, against the platform's API server: the argocd namespace, Argo CD's CRDs, argocd-cm with
 * the repository's own health checks (deploy/argocd/argocd-cm.yaml) and this API server as a cluster Secret
 * (the in-cluster destination needs a pod's service-account mount, which a process here does not have).
 */
export async function startArgoCd(platform: Platform, opts: { appResyncSeconds?: number } = {}): Promise<ArgoCd> {
  await ensureArgocdServerTools();
  const argocd = await ensureArgocdCli();
  const kubeconfig = platform.kubeconfig;
  const binDir = join(platform.runDir, 'argocd-bin');
  await mkdir(binDir, { recursive: true });
  for (const name of ['argocd-application-controller', 'argocd-repo-server']) {
    await symlink(argocd, join(binDir, name));
  }
  // Argo CD's CRDs, and those the shipped overlays use (CloudNativePG, prometheus-operator, Gateway API).
  await installThirdPartyCrds(kubeconfig);
  await kubectlOk(kubeconfig, ['create', 'namespace', 'argocd']);

  const cm = parse(await readFile(join(REPO_ROOT, 'deploy', 'argocd', 'argocd-cm.yaml'), 'utf8'));
  const config = parse(await readFile(kubeconfig, 'utf8'));
  const cluster = config.clusters[0].cluster;
  const user = config.users[0].user;
  const partOf = { 'app.kubernetes.io/part-of': 'argocd' };
  const objects = [
    cm,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'argocd-secret', namespace: 'argocd', labels: partOf },
      stringData: { 'server.secretkey': randomBytes(32).toString('hex') },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'cluster-local',
        namespace: 'argocd',
        labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
      },
      stringData: {
        name: 'local',
        server: cluster.server,
        config: JSON.stringify({
          tlsClientConfig: {
            caData: cluster['certificate-authority-data'],
            certData: user['client-certificate-data'],
            keyData: user['client-key-data'],
          },
        }),
      },
    },
  ];
  await kubectlOk(
    kubeconfig,
    ['apply', '--server-side', '--field-manager=federation-test', '-f', '-'],
    objects.map((o) => JSON.stringify(o)).join('\n'),
  );

  const [redisPort, repoPort, repoMetrics, controllerMetrics] = await freePorts(4);
  const redis = `127.0.0.1:${redisPort}`;
  const home = join(platform.runDir, 'argocd-home');
  const tmp = join(platform.runDir, 'argocd-repo-tmp');
  await mkdir(home, { recursive: true });
  await mkdir(tmp, { recursive: true });
  const env = {
    ...process.env,
    HOME: home,
    TMPDIR: tmp,
    PATH: `${binDir}:${toolsDir()}:${process.env.PATH}`,
    ARGOCD_GPG_ENABLED: 'false',
  };
  const processes = [
    platform.startProcess('argocd-redis', tool('redis-server'), [redis], env),
    platform.startProcess(
      'argocd-repo-server',
      join(binDir, 'argocd-repo-server'),
      [
        `--port=${repoPort}`,
        `--metrics-port=${repoMetrics}`,
        `--redis=${redis}`,
        '--disable-tls',
        '--client-ca-path=',
        '--loglevel=warn',
      ],
      env,
    ),
    platform.startProcess(
      'argocd-application-controller',
      join(binDir, 'argocd-application-controller'),
      [
        `--kubeconfig=${kubeconfig}`,
        '--namespace=argocd',
        `--repo-server=127.0.0.1:${repoPort}`,
        '--repo-server-plaintext',
        `--redis=${redis}`,
        `--metrics-port=${controllerMetrics}`,
        `--app-resync=${opts.appResyncSeconds ?? 10}`,
        // Each resource's health in the Application's status (v3 keeps it only in its cache otherwise): what
        // tests assert on and what their failure messages show.
        '--persist-resource-health',
        '--loglevel=warn',
      ],
      env,
    ),
  ];
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${controllerMetrics}/metrics`).catch(() => undefined))?.ok === true,
    {
      timeoutMs: 60_000,
      describe: () => `argocd-application-controller did not serve metrics:\n${processes[2]?.logTail()}`,
    },
  );
  return { namespace: 'argocd', clusterServer: cluster.server, processes };
}
