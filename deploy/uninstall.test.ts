import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type KubeObject, renderKustomization } from '../e2e/testenv/kustomize.ts';

// The CRDs are an install of their own (deploy/crds): `kubectl delete -k` of an overlay removes the operator
// and never a CRD, which would take every Department with it. Argo CD never prunes them, nor deletes them with
// an Application.

const DEPLOY = fileURLToPath(new URL('./', import.meta.url));
const REPO = join(DEPLOY, '..');
const dirsUnder = (parent: string) => readdirSync(join(DEPLOY, parent)).map((d) => `${parent}/${d}`);
const INSTALLS = ['base', ...dirsUnder('overlays'), 'kind'];

/** The names of the CRDs `npm run crds` generates into crds/. */
const GENERATED_CRDS = readdirSync(join(REPO, 'crds'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(join(REPO, 'crds', f), 'utf8'))
  .filter((text) => /^kind: CustomResourceDefinition$/m.test(text))
  .map((text) => /^ {2}name: (\S+)$/m.exec(text)?.[1]);

const render = (dir: string) => renderKustomization(join(DEPLOY, dir));
const syncOptions = (o: KubeObject) =>
  (o.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').map((s) => s.trim());
const wave = (o: KubeObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0');

describe('deploy/crds', () => {
  it.each(INSTALLS)('%s holds no CustomResourceDefinition, so kubectl delete -k of it keeps them', async (dir) => {
    const kinds = (await render(dir)).map((o) => o.kind);
    expect(kinds).toContain('Deployment');
    expect(kinds).not.toContain('CustomResourceDefinition');
  });

  it('renders every generated CRD, never pruned and kept when its Argo CD Application is deleted', async () => {
    const objects = await render('crds');
    expect(GENERATED_CRDS.length).toBeGreaterThanOrEqual(2);
    expect(objects.map((o) => o.kind)).toEqual(GENERATED_CRDS.map(() => 'CustomResourceDefinition'));
    expect(objects.map((o) => o.metadata.name).sort()).toEqual([...GENERATED_CRDS].sort());
    for (const crd of objects) {
      expect(syncOptions(crd)).toEqual(expect.arrayContaining(['Prune=false', 'Delete=false']));
      expect(wave(crd)).toBeLessThan(0);
    }
  });

  it('is an Argo CD Application of its own, in a wave before the platform and the departments', async () => {
    const apps = (await render('argocd/apps')).filter((o) => o.kind === 'Application');
    const byPath = (path: string) => apps.filter((a) => a.spec.source.path === path);
    const [crds, ...more] = byPath('deploy/crds');
    if (!crds) throw new Error('no Application syncs deploy/crds');
    expect(more).toEqual([]);
    expect(crds.spec.syncPolicy.automated.prune).toBe(false);
    const others = apps.filter((a) => a !== crds);
    expect(others.length).toBeGreaterThanOrEqual(2);
    for (const app of others) expect(wave(crds)).toBeLessThan(wave(app));
  });

  it('is applied before the platform by the kind script and the install instructions', () => {
    const steps: [string, string][] = [
      [readFileSync(join(DEPLOY, 'kind', 'install.sh'), 'utf8'), 'kube apply --server-side -k deploy/'],
      [readFileSync(join(DEPLOY, 'README.md'), 'utf8'), 'kubectl apply --server-side -k deploy/'],
      [readFileSync(join(REPO, 'README.md'), 'utf8'), 'kubectl apply --server-side -k deploy/'],
    ];
    for (const [text, apply] of steps) {
      const crds = text.indexOf(`${apply}crds`);
      expect(crds).toBeGreaterThanOrEqual(0);
      const platform = [...text.matchAll(new RegExp(`${apply.replaceAll('-', '\\-')}(overlays|kind)\\b`, 'g'))];
      expect(platform.length).toBeGreaterThan(0);
      for (const m of platform) expect(m.index).toBeGreaterThan(crds);
    }
  });
});
