import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { go } from './go-build.ts';
import { kubectlOk } from './kubectl.ts';
import { cacheDir } from './versions.ts';

/** A CustomResourceDefinition published inside a Go module (none of these are on npm). */
export interface ThirdPartyCrd {
  module: string;
  version: string;
  /** Path of the CRD YAML inside the module zip. */
  path: string;
}

/**
 * The CRDs deploy/'s overlays use, from their projects' own published manifests, at the newest version the
 * Go module proxy serves: CloudNativePG (Cluster, Database, DatabaseRole), prometheus-operator (ServiceMonitor, PrometheusRule),
 * Gateway API standard channel (Gateway, HTTPRoute) and Argo CD (Application, AppProject).
 */
export const THIRD_PARTY_CRDS: ThirdPartyCrd[] = [
  ...['clusters', 'databases', 'databaseroles'].map((plural) => ({
    module: 'github.com/cloudnative-pg/cloudnative-pg',
    version: 'v1.30.1',
    path: `config/crd/bases/postgresql.cnpg.io_${plural}.yaml`,
  })),
  ...['servicemonitors', 'prometheusrules'].map((plural) => ({
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    path: `example/prometheus-operator-crd/monitoring.coreos.com_${plural}.yaml`,
  })),
  ...['gateways', 'httproutes'].map((plural) => ({
    module: 'sigs.k8s.io/gateway-api',
    version: 'v1.6.3',
    path: `config/crd/standard/gateway.networking.k8s.io_${plural}.yaml`,
  })),
  ...['application-crd', 'appproject-crd'].map((file) => ({
    module: 'github.com/argoproj/argo-cd/v3',
    version: 'v3.5.7',
    path: `manifests/crds/${file}.yaml`,
  })),
];

/**
 * The CRD files, copied from the module cache into ~/.cache/federation/crds/<module>@<version>/ (the module
 * cache is read-only and may be cleaned). `go mod download` keeps its own lock, so concurrent runs are safe;
 * each copy appears atomically.
 */
export async function ensureThirdPartyCrds(crds: ThirdPartyCrd[] = THIRD_PARTY_CRDS): Promise<string[]> {
  const files: string[] = [];
  for (const crd of crds) {
    const dir = join(cacheDir(), 'crds', `${crd.module.replaceAll('/', '_')}@${crd.version}`);
    const file = join(dir, basename(crd.path));
    if (!existsSync(file)) {
      await mkdir(dir, { recursive: true });
      // Outside any module: `go mod download` resolves exactly this version.
      const info = JSON.parse(
        await go(['mod', 'download', '-json', `${crd.module}@${crd.version}`], dir, `crds ${crd.module}`),
      );
      if (!info.Dir) throw new Error(`go mod download ${crd.module}@${crd.version}: ${info.Error ?? 'no Dir'}`);
      const partial = `${file}.partial`;
      await rm(partial, { force: true });
      await copyFile(join(info.Dir, crd.path), partial);
      await chmod(partial, 0o644); // the module cache's files are read-only
      await rename(partial, file);
    }
    files.push(file);
  }
  return files;
}

/** Installs the CRDs (server-side: some exceed the client-side apply annotation limit) and waits for them. */
export async function installThirdPartyCrds(kubeconfig: string): Promise<void> {
  const args = (await ensureThirdPartyCrds()).flatMap((f) => ['-f', f]);
  await kubectlOk(kubeconfig, ['apply', '--server-side', '--field-manager=federation-testenv', ...args]);
  await kubectlOk(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', ...args]);
}
