import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_BUILD } from '../railway/agent-build.ts';
import { ARGOCD_VERSION, ensureArgocdCli } from './argocd-cli.ts';
import { ARGOCD_SERVERS } from './argocd-servers.ts';
import { ensureControlPlaneBinaries, etcdBinaryPath, kubernetesBinaryPath } from './binaries.ts';
import { ensureHelmCli, helmBinPath } from './helm-cli.ts';
import { KWOK } from './kwok.ts';
import { LIVEKIT } from './livekit.ts';
import { ensureN8n, n8nDir } from './n8n.ts';
import type { Artifact } from './prepare-all.ts';
import { ensurePromtool, prometheusToolPath } from './prometheus-tools.ts';
import { ensurePulumiCli, PULUMI_VERSION } from './pulumi-cli.ts';
import { cacheDir } from './versions.ts';

// Cold times on this project's shared 2-core machine, the middle of two measurements (README, "The first run"):
// kube-apiserver + etcd 6.4 and 10.3 minutes, pulumi 3.7 and 5.6, the n8n install 6.1 and 9.4 (beside the Go
// builds); argocd ~7 CPU-minutes. prepare-all.ts replaces them with the machine's own once it has built each.
export const CONTROL_PLANE: Artifact = {
  name: 'kubernetes',
  kind: 'go',
  expectedSeconds: 800,
  cached: () => Object.values(binariesOrDefaults()).every((file) => existsSync(file)),
  prepare: async () => {
    const bins = await ensureControlPlaneBinaries();
    return `${bins.etcd}, ${bins.kubeApiserver} (+ kube-controller-manager, kube-scheduler)`;
  },
};

function binariesOrDefaults(): string[] {
  const assets = process.env.KUBEBUILDER_ASSETS;
  return [
    process.env.TEST_ASSET_ETCD ?? (assets ? join(assets, 'etcd') : etcdBinaryPath()),
    process.env.TEST_ASSET_KUBE_APISERVER ??
      (assets ? join(assets, 'kube-apiserver') : kubernetesBinaryPath('kube-apiserver')),
    kubernetesBinaryPath('kube-controller-manager'),
    kubernetesBinaryPath('kube-scheduler'),
  ];
}

export const PULUMI: Artifact = {
  name: 'pulumi',
  kind: 'go',
  expectedSeconds: 280,
  cached: () =>
    Boolean(process.env.PULUMI_CLI_ROOT) ||
    existsSync(join(cacheDir(), 'bin', `pulumi-${PULUMI_VERSION}`, 'bin', 'pulumi')),
  prepare: async () => (await ensurePulumiCli()).pulumi,
};

export const N8N: Artifact = {
  name: 'n8n',
  kind: 'io',
  expectedSeconds: 460,
  cached: () => existsSync(join(n8nDir(), '.installed')),
  prepare: (log) => ensureN8n(log),
};

export const ARGOCD: Artifact = {
  name: 'argocd',
  kind: 'go',
  expectedSeconds: 450,
  cached: () =>
    Boolean(process.env.ARGOCD_BIN) || existsSync(join(cacheDir(), 'bin', `argocd-${ARGOCD_VERSION}`, 'argocd')),
  prepare: () => ensureArgocdCli(),
};

// Cold builds (empty GOCACHE and GOMODCACHE) measured once each on this machine, while the kube-apiserver and pulumi
// builds shared its two cores: helm 454 s, promtool (tags remove_all_sd) 461 s.
export const HELM: Artifact = {
  name: 'helm',
  kind: 'go',
  expectedSeconds: 454,
  cached: () => Boolean(process.env.HELM_BIN) || existsSync(helmBinPath()),
  prepare: () => ensureHelmCli(),
};

export const PROMTOOL: Artifact = {
  name: 'promtool',
  kind: 'go',
  expectedSeconds: 461,
  cached: () => Boolean(process.env.PROMTOOL_BIN) || existsSync(prometheusToolPath('promtool')),
  prepare: () => ensurePromtool(),
};

/** What `npm start` needs before any component starts. */
export const PLATFORM_ARTIFACTS: Artifact[] = [CONTROL_PLANE, KWOK, PULUMI, LIVEKIT, N8N, AGENT_BUILD];
/** What the test suites need besides (.ci/run prepares these up front). */
export const TEST_ARTIFACTS: Artifact[] = [...PLATFORM_ARTIFACTS, ARGOCD, ARGOCD_SERVERS, HELM, PROMTOOL];
