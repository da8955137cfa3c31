import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import type { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import { FIELD_MANAGER } from '../../crds/names.ts';
import { adminClient, condition } from '../../e2e/testenv/admin-client.ts';
import { startTestController, TEST_LABEL, type TestController } from '../../e2e/testenv/controller.ts';
import { kubectl } from '../../e2e/testenv/kubectl.ts';
import { EXAMPLES_DIR } from '../../e2e/testenv/platform.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import { namespaceComponent } from '../../reconcilers/namespace/component.ts';

// Argo CD with ServerSideApply=true applies as field manager `argocd-controller` (argo-cd common.ArgoCDSSAManager)
// and, with ServerSideDiff=true, compares by a server-side dry-run apply: `kubectl diff --server-side` is that
// comparison. A Department or grant the controller has reconciled must not show as OutOfSync.

const kubeconfig = inject('kubeconfig');
const ARGOCD_MANAGER = 'argocd-controller';
const GITOPS_DIR = fileURLToPath(new URL('./departments/', import.meta.url));

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

const readAll = (file: string) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Manifest);

/**
 * The GitOps folder's manifests and crds/examples' Departments and grants (renamed `ssa-<name>`: other test
 * files apply those names), labelled for this test's controller shard.
 */
function examples(shard: string): Manifest[] {
  const gitops = readdirSync(GITOPS_DIR).flatMap((f) => readAll(join(GITOPS_DIR, f)));
  const rename = (name: unknown) => `ssa-${name}`;
  const crdExamples = ['departments.yaml', 'grants.yaml']
    .flatMap((f) => readAll(join(EXAMPLES_DIR, f)))
    .map((m) => ({
      ...m,
      metadata: { ...m.metadata, name: rename(m.metadata.name) },
      spec:
        m.kind === 'CrossDepartmentGrant'
          ? {
              ...m.spec,
              sourceDepartment: rename(m.spec.sourceDepartment),
              targetDepartment: rename(m.spec.targetDepartment),
            }
          : m.spec,
    }));
  return [...gitops, ...crdExamples].map((m) => ({
    ...m,
    metadata: { ...m.metadata, labels: { ...m.metadata.labels, [TEST_LABEL]: shard } },
  }));
}

const pathOf = (m: Manifest) =>
  m.kind === 'Department' ? apiPaths.department(m.metadata.name) : apiPaths.grant(m.metadata.name);

let admin: RestClient;
let ctl: TestController;
let manifests: Manifest[];
let stream: string;

describe('Argo CD server-side apply', () => {
  beforeAll(async () => {
    admin = adminClient(kubeconfig);
    ctl = await startTestController(kubeconfig, { components: [namespaceComponent] });
    manifests = examples(ctl.shard);
    stream = manifests.map((m) => stringify(m)).join('---\n');
  });

  afterAll(async () => {
    if (manifests) {
      await kubectl(kubeconfig, ['delete', '--ignore-not-found', '--wait=false', '-f', '-'], stream);
      await waitFor(
        async () =>
          (
            await Promise.all(
              manifests.map((m) =>
                admin.get(pathOf(m)).then(
                  () => 1,
                  () => 0,
                ),
              ),
            )
          ).every((x) => x === 0),
        {
          timeoutMs: 30_000,
          describe: () => 'the examples were not deleted',
        },
      ).catch(() => undefined);
    }
    await ctl?.stop();
  });

  it('applies the examples, lets the controller reconcile them, re-applies without conflict and diffs clean', async () => {
    const first = await kubectl(
      kubeconfig,
      ['apply', '--server-side', `--field-manager=${ARGOCD_MANAGER}`, '-f', '-'],
      stream,
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    // The controller adds its finalizer and writes status (Departments Active, grants active).
    for (const m of manifests) {
      await waitFor(
        async () => {
          const live = await admin.get<Manifest & { status?: { conditions?: { type: string }[] } }>(pathOf(m));
          return condition(live, 'Ready')?.status === 'True';
        },
        { timeoutMs: 60_000, intervalMs: 200, describe: () => `${m.kind} ${m.metadata.name} never became Ready` },
      );
    }

    const again = await kubectl(
      kubeconfig,
      ['apply', '--server-side', `--field-manager=${ARGOCD_MANAGER}`, '-f', '-'],
      stream,
    );
    expect(again.stderr).toBe(''); // a conflict would fail the apply: the controller took over none of Argo CD's fields
    expect(again.code).toBe(0);

    const diff = await kubectl(
      kubeconfig,
      ['diff', '--server-side', `--field-manager=${ARGOCD_MANAGER}`, '-f', '-'],
      stream,
    );
    expect(diff.stdout).toBe('');
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(0); // kubectl diff exits 1 when it finds a difference
  });

  it('leaves the controller owning only finalizers and status', async () => {
    for (const m of manifests) {
      const live = await admin.get<{
        metadata: { managedFields: { manager: string; subresource?: string; fieldsV1: Record<string, unknown> }[] };
      }>(pathOf(m));
      const mine = live.metadata.managedFields.filter((f) => f.manager === FIELD_MANAGER);
      expect(mine.length, `${m.metadata.name} was reconciled`).toBeGreaterThan(0);
      for (const entry of mine) {
        if (entry.subresource === 'status') expect(Object.keys(entry.fieldsV1)).toEqual(['f:status']);
        else expect(entry.fieldsV1).toEqual({ 'f:metadata': { 'f:finalizers': expect.any(Object) } });
      }
    }
  });

  it('does show a change someone else made to a field Argo CD manages (the diff can fail)', async () => {
    const department = manifests.find((m) => m.kind === 'Department') as Manifest;
    await admin.mergePatch(pathOf(department), { spec: { displayName: 'Changed by hand' } }, 'kubectl-edit');
    const diff = await kubectl(
      kubeconfig,
      ['diff', '--server-side', `--field-manager=${ARGOCD_MANAGER}`, '--force-conflicts', '-f', '-'],
      stream,
    );
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('Changed by hand');
  });
});
