import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHelmCli, helm, helmOk, renderChart } from '../../e2e/testenv/helm-cli.ts';
import { type KubeObject, renderKustomization } from '../../e2e/testenv/kustomize.ts';

// The chart's templates are written by hand (Helm needs values and conditionals kustomize expresses as
// components); RBAC, the NetworkPolicies, the CRDs and the monitoring files are deploy/'s own files, linked in.
// These tests hold every render equal to the kustomize install it stands for (deploy/helm/README.md).

const DEPLOY = fileURLToPath(new URL('../', import.meta.url));
const CHART = join(DEPLOY, 'helm', 'federation');
const CRDS = join(DEPLOY, '..', 'crds');
const NAMESPACE = 'federation-system';

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

/**
 * deploy/crds and deploy/base plus components (the chart installs its CRDs from crds/), rendered by kustomize
 * from a kustomization in a temporary directory.
 */
async function renderBaseWith(components: string[]): Promise<KubeObject[]> {
  const dir = await mkdtemp(join(tmpdir(), 'federation-kustomize-'));
  try {
    const rel = (p: string) => relative(dir, join(DEPLOY, p));
    const kustomization = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `resources: [${rel('crds')}, ${rel('base')}]`,
      `components: [${components.map(rel).join(', ')}]`,
      '',
    ].join('\n');
    await writeFile(join(dir, 'kustomization.yaml'), kustomization);
    return await renderKustomization(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * Containers' env by name: a kustomize patch puts the variables it replaces first, the chart writes them in
 * place; none of these refers to another with $(NAME), so the order means nothing here.
 */
function sortEnv(objects: KubeObject[]): KubeObject[] {
  for (const o of objects) {
    for (const c of o.spec?.template?.spec?.containers ?? []) {
      c.env?.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
    }
  }
  return objects.sort((a, b) => key(a).localeCompare(key(b)));
}

/**
 * What both sides say once the differences that are each tool's own way are taken out: kustomize's
 * content-hash suffix on generated ConfigMap names (the chart rolls pods with a checksum annotation instead),
 * the release's Namespace (Helm installs into one that exists or that --create-namespace makes) and the Argo CD
 * annotations deploy/crds puts on the CRDs (Helm never deletes a CRD from crds/ anyway).
 */
function fromKustomize(objects: KubeObject[]): KubeObject[] {
  const hashed = new Map<string, string>();
  for (const o of objects) {
    const plain = o.kind === 'ConfigMap' && /^(.+)-[a-z0-9]{10}$/.exec(o.metadata.name)?.[1];
    if (plain) hashed.set(o.metadata.name, plain);
  }
  let text = JSON.stringify(objects.filter((o) => !(o.kind === 'Namespace' && o.metadata.name === NAMESPACE)));
  for (const [name, plain] of hashed) text = text.replaceAll(`"${name}"`, `"${plain}"`);
  const result = JSON.parse(text) as KubeObject[];
  for (const o of result) {
    if (o.kind !== 'CustomResourceDefinition') continue;
    for (const a of Object.keys(o.metadata.annotations ?? {})) {
      if (a.startsWith('argocd.argoproj.io/')) delete o.metadata.annotations?.[a];
    }
    if (Object.keys(o.metadata.annotations ?? {}).length === 0) delete o.metadata.annotations;
  }
  return sortEnv(result);
}

/** The chart's own additions: pods roll on a settings checksum; the Namespaces it shares are kept on uninstall. */
function fromHelm(objects: KubeObject[]): KubeObject[] {
  const result = structuredClone(objects);
  for (const o of result) {
    if (o.kind === 'Namespace' && o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep') {
      delete o.metadata.annotations['helm.sh/resource-policy'];
      if (Object.keys(o.metadata.annotations).length === 0) delete o.metadata.annotations;
    }
    const annotations = o.spec?.template?.metadata?.annotations;
    if (!annotations) continue;
    delete annotations['checksum/settings'];
    if (Object.keys(annotations).length === 0) delete o.spec.template.metadata.annotations;
  }
  return sortEnv(result);
}

const template = (set: string[] = []) => renderChart(bin, CHART, { home, namespace: NAMESPACE, set });

/** Each kustomize component and the chart values that stand for it. */
const OPTIONS: [string[], string[]][] = [
  [['components/servicemonitor'], ['serviceMonitor.enabled=true']],
  [['components/ingress'], ['ingress.enabled=true']],
  [['components/httproute'], ['httpRoute.enabled=true']],
  [['components/cloudnative-pg'], ['database.mode=cloudnativepg']],
  [['components/n8n'], ['n8n.mode=inCluster']],
  [
    ['components/cloudnative-pg', 'components/n8n', 'components/cloudnative-pg-n8n'],
    ['database.mode=cloudnativepg', 'n8n.mode=inCluster'],
  ],
  [['components/monitoring'], ['prometheusRule.enabled=true', 'dashboard.enabled=true']],
];

const EVERYTHING_ON = [...new Set(OPTIONS.flatMap(([, set]) => set)), 'controller.shards=2'];

describe('deploy/helm/federation', () => {
  it('passes helm lint --strict with its defaults and with every option on', async () => {
    for (const set of [[], EVERYTHING_ON]) {
      const result = await helm(bin, ['lint', '--strict', CHART, ...set.flatMap((s) => ['--set', s])], home);
      expect(result.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(result.code).toBe(0);
    }
  });

  it('renders by default the objects deploy/crds and deploy/base do', async () => {
    const [chart, base] = await Promise.all([template(), renderBaseWith([])]);
    expect(fromHelm(chart).map(key)).toEqual(fromKustomize(base).map(key));
    expect(fromHelm(chart)).toEqual(fromKustomize(base));
  });

  it.each(OPTIONS)('renders deploy/base with %j as the values %j', async (components, set) => {
    const [chart, kustomized] = await Promise.all([template(set), renderBaseWith(components)]);
    expect(fromHelm(chart).map(key)).toEqual(fromKustomize(kustomized).map(key));
    expect(fromHelm(chart)).toEqual(fromKustomize(kustomized));
  });

  it('tells a changed setting apart (the comparison can fail)', async () => {
    const [chart, base] = await Promise.all([template(['controller.settings.WORKERS=4']), renderBaseWith([])]);
    expect(fromHelm(chart)).not.toEqual(fromKustomize(base));
  });

  it('runs the controller as a StatefulSet with SHARDS when controller.shards > 1', async () => {
    const objects = await template(['controller.shards=2', 'controller.replicas=4']);
    const controller = objects.find(
      (o) => o.metadata.name === 'federation-controller' && ['Deployment', 'StatefulSet'].includes(o.kind),
    );
    expect(controller?.kind).toBe('StatefulSet');
    expect(controller?.spec).toMatchObject({ replicas: 4, podManagementPolicy: 'Parallel' });
    const settings = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'federation-controller');
    expect(settings?.data?.SHARDS).toBe('2');
  });

  it('refuses fewer controller replicas than shards, and an unknown database mode', async () => {
    const few = await helm(bin, ['template', CHART, '--set', 'controller.shards=3'], home);
    expect(few.code).not.toBe(0);
    expect(few.stderr).toMatch(/controller.replicas must be at least controller.shards/);
    const mode = await helm(bin, ['template', CHART, '--set', 'database.mode=sqlite'], home);
    expect(mode.code).not.toBe(0);
    expect(mode.stderr).toMatch(/database.mode is existing or cloudnativepg/);
  });

  it('packages the generated CRDs byte for byte (helm package follows the links into crds/)', async () => {
    const out = await mkdtemp(join(tmpdir(), 'federation-helm-package-'));
    try {
      const packaged = (await helmOk(bin, ['package', CHART, '--destination', out], home)).trim();
      const archive = /saved it to: (\S+)/.exec(packaged)?.[1] as string;
      await promisify(execFile)('tar', ['-xzf', archive, '-C', out]);
      const generated = readdirSync(CRDS).filter(
        (f) => f.endsWith('.yaml') && /^kind: CustomResourceDefinition$/m.test(readFileSync(join(CRDS, f), 'utf8')),
      );
      expect(generated.length).toBeGreaterThan(0);
      expect(readdirSync(join(out, 'federation', 'crds')).sort()).toEqual(generated.sort());
      for (const file of generated) {
        expect(await readFile(join(out, 'federation', 'crds', file), 'utf8')).toBe(
          await readFile(join(CRDS, file), 'utf8'),
        );
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
