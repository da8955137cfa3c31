import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { kubectl, kubectlOk } from '../e2e/testenv/kubectl.ts';
import { renderKustomization } from '../e2e/testenv/kustomize.ts';
import { installThirdPartyCrds } from '../e2e/testenv/third-party-crds.ts';

// Every install renders and the real API server accepts every object of it (server-side dry run, with the
// CloudNativePG, ServiceMonitor, Gateway API and Argo CD CRDs installed from their published manifests), without
// warnings: the namespace enforces and warns on the restricted Pod Security Standard, so a pod template that
// would not be admitted shows here.

const kubeconfig = inject('kubeconfig');
const DEPLOY = fileURLToPath(new URL('./', import.meta.url));
const dirsUnder = (parent: string) => readdirSync(join(DEPLOY, parent)).map((d) => `${parent}/${d}`);
const KUSTOMIZATIONS = ['crds', 'base', ...dirsUnder('overlays'), 'kind', 'argocd', 'argocd/apps'];
const FILES = ['argocd/argocd-cm.yaml', 'argocd/departments'];
const MANAGER = '--field-manager=federation-deploy-test';

describe('deploy manifests on the API server', () => {
  beforeAll(async () => {
    await installThirdPartyCrds(kubeconfig);
    // The namespaces the installs go into, for real: a dry run cannot create a namespace for the objects in it.
    const namespaces = (await renderKustomization(join(DEPLOY, 'base'))).filter((o) => o.kind === 'Namespace');
    expect(namespaces.map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['federation-system']));
    for (const ns of namespaces) {
      await kubectlOk(kubeconfig, ['apply', '--server-side', MANAGER, '-f', '-'], JSON.stringify(ns));
    }
    const argocd = await kubectlOk(kubeconfig, ['create', 'namespace', 'argocd', '--dry-run=client', '-o', 'yaml']);
    await kubectlOk(kubeconfig, ['apply', '--server-side', MANAGER, '-f', '-'], argocd);
  });

  it.each(KUSTOMIZATIONS)('kubectl apply --server-side -k deploy/%s is accepted (dry run)', async (dir) => {
    const result = await kubectl(kubeconfig, [
      'apply',
      '--server-side',
      '--dry-run=server',
      MANAGER,
      '-k',
      join(DEPLOY, dir),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/serverside-applied \(server dry run\)/);
  });

  it.each(FILES)('kubectl apply --server-side -f deploy/%s is accepted (dry run)', async (file) => {
    const result = await kubectl(kubeconfig, [
      'apply',
      '--server-side',
      '--dry-run=server',
      MANAGER,
      '-f',
      join(DEPLOY, file),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses a pod template the restricted Pod Security Standard forbids (the check above can fail)', async () => {
    const rendered = await kubectlOk(kubeconfig, ['kustomize', join(DEPLOY, 'base')]);
    const privileged = rendered.replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true');
    const result = await kubectl(
      kubeconfig,
      ['apply', '--server-side', '--dry-run=server', MANAGER, '-f', '-'],
      privileged,
    );
    expect(result.stderr).toMatch(/would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  });
});
