import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type KubeObject, renderKustomization } from '../../e2e/testenv/kustomize.ts';

// Which Argo CD Applications delete what they installed when they are deleted (Argo CD's resources finalizer),
// read from what each one syncs: the operator install goes with its Application, the CRDs and the Departments
// never do, and nothing an install's deletion reaches holds tenant data.

const ARGOCD = fileURLToPath(new URL('./', import.meta.url));
const REPO = join(ARGOCD, '..', '..');
/** Foreground cascading deletion; the form with a path is the one the API server takes without a warning. */
const FINALIZER = 'resources-finalizer.argocd.argoproj.io/foreground';
/** Every form Argo CD deletes an Application's resources for (argo-cd's isPropagationPolicyFinalizer). */
const CASCADING = new Set([
  'resources-finalizer.argocd.argoproj.io',
  FINALIZER,
  'resources-finalizer.argocd.argoproj.io/background',
]);

type Application = KubeObject & { metadata: { finalizers?: string[] } };

/** What an Application syncs, as Argo CD renders its source: a kustomization, or a directory of manifests. */
async function synced(app: Application): Promise<KubeObject[]> {
  const dir = join(REPO, app.spec.source.path);
  if (existsSync(join(dir, 'kustomization.yaml'))) return renderKustomization(dir);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject))
    .filter(Boolean);
}

const deletesWithIt = (app: Application) => (app.metadata.finalizers ?? []).some((f) => CASCADING.has(f));
const syncOptions = (o: KubeObject) =>
  (o.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').map((s) => s.trim());
const kinds = (objects: KubeObject[]) => new Set(objects.map((o) => o.kind));

/**
 * Objects whose deletion takes tenant data with it: a Namespace (everything in it, the departments' OAuth client
 * Secrets and the platform database included), the CloudNativePG Cluster holding every tenant schema, a volume.
 */
const holdsData = (o: KubeObject) =>
  o.kind === 'Namespace' ||
  o.kind === 'PersistentVolumeClaim' ||
  (o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/'));

describe('Argo CD Applications and the resources finalizer', () => {
  const apps: { app: Application; objects: KubeObject[] }[] = [];

  beforeAll(async () => {
    const all = [...(await renderKustomization(ARGOCD)), ...(await renderKustomization(join(ARGOCD, 'apps')))];
    for (const app of all.filter((o) => o.kind === 'Application') as Application[]) {
      apps.push({ app, objects: await synced(app) });
    }
  });

  const syncing = (kind: string) => apps.filter(({ objects }) => kinds(objects).has(kind));

  it('the operator install (what renders the Deployments) is deleted with its Application', () => {
    const installs = syncing('Deployment');
    expect(installs.map(({ app }) => app.metadata.name)).toEqual(['federation-platform']);
    for (const { app } of installs) expect(app.metadata.finalizers).toEqual([FINALIZER]);
  });

  it('the app of apps deletes the Applications it created (each then does as its own finalizer says)', () => {
    const roots = syncing('Application');
    expect(roots.map(({ app }) => app.metadata.name)).toEqual(['federation']);
    for (const { app } of roots) expect(app.metadata.finalizers).toEqual([FINALIZER]);
  });

  it.each(['CustomResourceDefinition', 'Department', 'CrossDepartmentGrant'])(
    'an Application syncing a %s leaves it in place when deleted',
    (kind) => {
      const holders = syncing(kind);
      expect(holders.length).toBeGreaterThan(0);
      for (const { app } of holders) expect(deletesWithIt(app), app.metadata.name).toBe(false);
    },
  );

  it('what a deleted Application removes holds no tenant data: Namespaces and the database carry Delete=false', () => {
    const deleting = apps.filter(({ app }) => deletesWithIt(app));
    const reached = deleting.flatMap(({ objects }) => objects.filter(holdsData));
    expect(reached.map((o) => o.kind)).toEqual(expect.arrayContaining(['Namespace', 'Cluster']));
    for (const o of reached) {
      expect(syncOptions(o), `${o.kind} ${o.metadata.name}`).toEqual(
        expect.arrayContaining(['Delete=false', 'Prune=false']),
      );
    }
  });
});
