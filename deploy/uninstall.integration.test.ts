import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../e2e/testenv/kubectl.ts';
import { type Platform, startPlatform } from '../e2e/testenv/platform.ts';
import { installThirdPartyCrds } from '../e2e/testenv/third-party-crds.ts';

// `kubectl delete -k` of an overlay, after the documented install (deploy/crds, then the overlay), removes the
// operator and keeps the CRDs and every Department. On an API server of its own: the delete removes the
// overlay's Namespace and cluster-wide RBAC, which other tests share on the common one.

const DEPLOY = fileURLToPath(new URL('./', import.meta.url));
const OVERLAY = join(DEPLOY, 'overlays', 'existing-postgres');
const CRDS = ['departments.federation.synrg.io', 'crossdepartmentgrants.federation.synrg.io'];
const MANAGER = '--field-manager=federation-uninstall-test';
const DEPARTMENT = {
  apiVersion: 'federation.synrg.io/v1alpha1',
  kind: 'Department',
  metadata: { name: 'kept-by-uninstall' },
  spec: {
    displayName: 'Kept by uninstall',
    adminEmail: 'kept@example.com',
    enabledTools: ['email'],
    deletionPolicy: 'Delete',
  },
};

describe('kubectl delete -k of an overlay', () => {
  let platform: Platform;
  let kubeconfig: string;
  beforeAll(async () => {
    platform = await startPlatform({ installCrds: false, postgres: false });
    kubeconfig = platform.kubeconfig;
    // The overlay's ServiceMonitors and PrometheusRule need prometheus-operator's CRDs.
    await installThirdPartyCrds(kubeconfig);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  /** The object's deletionTimestamp ('' while it is not being deleted), or null once it is gone. */
  const deletionTimestamp = async (args: string[]): Promise<string | null> => {
    const result = await kubectl(kubeconfig, ['get', ...args, '-o', 'jsonpath={.metadata.deletionTimestamp}']);
    if (result.code !== 0 && /NotFound/.test(result.stderr)) return null;
    expect(result.stderr).toBe('');
    return result.stdout;
  };

  it('removes the operator and keeps the CRDs and every Department', async () => {
    await kubectlOk(kubeconfig, ['apply', '--server-side', MANAGER, '-k', join(DEPLOY, 'crds')]);
    const crds = CRDS.map((name) => `crd/${name}`);
    await kubectlOk(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', ...crds]);
    await kubectlOk(kubeconfig, ['apply', '--server-side', MANAGER, '-k', OVERLAY]);
    await kubectlOk(kubeconfig, ['apply', '--server-side', MANAGER, '-f', '-'], JSON.stringify(DEPARTMENT));
    const controller = ['deployment/federation-controller', '-n', 'federation-system'];
    expect(await deletionTimestamp(controller)).toBe('');

    // --wait=false: what counts is what the delete leaves, not how long the namespace controller takes.
    await kubectlOk(kubeconfig, ['delete', '--wait=false', '-k', OVERLAY]);

    expect(await deletionTimestamp(controller)).toBeNull();
    expect(await deletionTimestamp(['clusterrole', 'federation-controller'])).toBeNull();
    for (const crd of crds) expect(await deletionTimestamp([crd])).toBe('');
    expect(await deletionTimestamp(['department', DEPARTMENT.metadata.name])).toBe('');
  });
});
