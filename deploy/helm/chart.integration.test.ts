import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ensureHelmCli, helm, helmOk } from '../../e2e/testenv/helm-cli.ts';
import { kubectl, kubectlOk } from '../../e2e/testenv/kubectl.ts';
import { type Platform, startPlatform } from '../../e2e/testenv/platform.ts';
import { installThirdPartyCrds } from '../../e2e/testenv/third-party-crds.ts';

// The chart against a real API server: its renders are accepted (server-side dry run, restricted Pod Security
// enforced on the namespace), and `helm install` / `upgrade` / `uninstall` behave as Helm users expect, CRDs
// from crds/ kept on uninstall, on an API server of its own that starts without the CRDs.

const DEPLOY = fileURLToPath(new URL('../', import.meta.url));
const CHART = join(DEPLOY, 'helm', 'federation');
const EXAMPLES = fileURLToPath(new URL('../../crds/examples/departments.yaml', import.meta.url));
const NAMESPACE = 'federation-system';
const MANAGER = '--field-manager=federation-helm-test';
const EVERYTHING_ON = [
  'serviceMonitor.enabled=true',
  'ingress.enabled=true',
  'httpRoute.enabled=true',
  'database.mode=cloudnativepg',
  'n8n.mode=inCluster',
  'prometheusRule.enabled=true',
  'dashboard.enabled=true',
  'controller.shards=2',
];
const sets = (values: string[]) => values.flatMap((v) => ['--set', v]);

/** A cold build of the helm CLI when .ci/run's prepare step has not cached it (about 8 minutes on 2 busy cores). */
const BUILD_TIMEOUT_MS = 20 * 60_000;

let bin: string;
let home: string;
beforeAll(async () => {
  bin = await ensureHelmCli();
  home = await mkdtemp(join(tmpdir(), 'federation-helm-'));
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

describe('helm template on the API server', () => {
  const kubeconfig = inject('kubeconfig');
  beforeAll(async () => {
    await installThirdPartyCrds(kubeconfig);
    await kubectlOk(kubeconfig, ['apply', '--server-side', MANAGER, '-f', join(DEPLOY, 'base', 'namespace.yaml')]);
    // A dry run cannot create a namespace for the objects in it: the Namespaces the chart renders, for real.
    const rendered = await helmOk(bin, ['template', 'federation', CHART, '--namespace', NAMESPACE], home);
    const namespaces = parseAllDocuments(rendered)
      .map((d) => d.toJS())
      .filter((o) => o?.kind === 'Namespace');
    for (const ns of namespaces) {
      await kubectlOk(kubeconfig, ['apply', '--server-side', MANAGER, '-f', '-'], JSON.stringify(ns));
    }
  });

  it.each([
    ['its defaults', []],
    ['every option on', EVERYTHING_ON],
  ])('accepts every object the chart renders with %s (server-side dry run)', async (_, values) => {
    const rendered = await helmOk(
      bin,
      ['template', 'federation', CHART, '--namespace', NAMESPACE, ...sets(values)],
      home,
    );
    const result = await kubectl(
      kubeconfig,
      ['apply', '--server-side', '--dry-run=server', MANAGER, '-f', '-'],
      rendered,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/deployment.apps\/federation-gateway serverside-applied \(server dry run\)/);
  });
});

describe('helm install, upgrade and uninstall', () => {
  let platform: Platform;
  let kubeconfig: string;
  beforeAll(async () => {
    platform = await startPlatform({ installCrds: false, postgres: false });
    kubeconfig = platform.kubeconfig;
  });
  afterAll(async () => {
    await platform?.stop();
  });
  const helmHere = (args: string[]) => helmOk(bin, [...args, '--kubeconfig', kubeconfig, '-n', NAMESPACE], home);
  const get = (args: string[]) => kubectl(kubeconfig, ['get', ...args, '-o', 'name']);

  it('installs the CRDs and the platform, upgrades in place, and uninstalls all but the CRDs and their objects', async () => {
    expect((await get(['crd', 'departments.federation.synrg.io'])).code).not.toBe(0);

    await helmHere(['install', 'federation', CHART, '--create-namespace']);
    const sharedNamespaces = parseAllDocuments(await helmHere(['get', 'manifest', 'federation']))
      .map((d) => d.toJS())
      .filter((o) => o?.kind === 'Namespace')
      .map((o) => o.metadata.name as string);
    for (const crd of ['departments.federation.synrg.io', 'crossdepartmentgrants.federation.synrg.io']) {
      expect((await get(['crd', crd])).stdout.trim()).toBe(`customresourcedefinition.apiextensions.k8s.io/${crd}`);
    }
    const replicas = async () =>
      (
        await kubectlOk(kubeconfig, [
          'get',
          'deployment/federation-controller',
          '-n',
          NAMESPACE,
          '-o',
          'jsonpath={.spec.replicas}',
        ])
      ).trim();
    expect(await replicas()).toBe('2');
    expect((await get(['clusterrole', 'federation-controller'])).code).toBe(0);
    await kubectlOk(kubeconfig, ['apply', '--server-side', MANAGER, '-f', EXAMPLES]);

    await helmHere(['upgrade', 'federation', CHART, '--set', 'controller.replicas=3']);
    expect(await replicas()).toBe('3');
    expect(await helmHere(['history', 'federation', '-o', 'json'])).toMatch(/"revision":2/);

    // No --wait: this API server runs no namespace controller, so a Namespace the chart owns stays Terminating.
    await helmHere(['uninstall', 'federation']);
    expect((await get(['deployment/federation-controller', '-n', NAMESPACE])).stderr).toMatch(/NotFound/);
    expect((await get(['clusterrole', 'federation-controller'])).stderr).toMatch(/NotFound/);
    expect((await get(['crd', 'departments.federation.synrg.io'])).code).toBe(0);
    expect((await get(['department', 'hr'])).stdout.trim()).toBe('department.federation.synrg.io/hr');
    // A Namespace the chart declares (the OAuth clients' Secrets live there) is kept, not left Terminating.
    for (const name of sharedNamespaces) {
      const ns = await kubectlOk(kubeconfig, [
        'get',
        'namespace',
        name,
        '-o',
        'jsonpath={.metadata.deletionTimestamp}',
      ]);
      expect(ns).toBe('');
    }
    expect(
      (await helm(bin, ['status', 'federation', '--kubeconfig', kubeconfig, '-n', NAMESPACE], home)).code,
    ).not.toBe(0);
  });
});
