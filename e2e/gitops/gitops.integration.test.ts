import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { isNotFound } from '../../controller/runtime/kube-api.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import { DEPARTMENT_LABEL, OAUTH_CLIENTS_NAMESPACE } from '../../crds/names.ts';
import type { DepartmentObject } from '../../reconcilers/component.ts';
import { describeStatus } from '../faults/departments.ts';
import { closeInventory, inventory } from '../faults/inventory.ts';
import { type FaultPlatform, startFaultPlatform } from '../faults/platform.ts';
import { AGENT_IMAGE } from '../railway/local.ts';
import { adminClient, condition } from '../testenv/admin-client.ts';
import { type ArgoCd, startArgoCd } from '../testenv/argocd-servers.ts';
import { kubectlOk } from '../testenv/kubectl.ts';
import { LoopbackGit } from '../testenv/loopback-git.ts';
import type { Platform } from '../testenv/platform.ts';
import { waitFor } from '../testenv/wait.ts';

// Argo CD's own application controller and repo server sync the shipped install (deploy/argocd/root.yaml, the
// app of apps) from a git repository served on loopback, into a cluster with kube-controller-manager,
// kube-scheduler and a kwok node: the platform's Deployments get simulated Running pods, Argo CD waits for
// each sync wave's health, and the Departments' health comes from the repository's own Lua. The
// Departments are reconciled by the whole local platform (e2e/faults/platform.ts: Postgres, n8n, the local
// Railway server, the controller as its ServiceAccount, as npm start runs them), so a Department that git adds
// gets its tenant schema, workflows and Railway project, and one that git removes loses them (or keeps them under
// deletionPolicy: Retain). The voice agent is not this test's subject: the local Railway answers the release
// image's health checks with its stub container instead of running an agent per Department. On its own API
// server: it installs cluster-wide objects.
//
// The repository is this working tree's deploy/ and crds/, with what a platform team changes in its fork:
// repoURL (here the loopback URL) and the destination (this API server, registered as an Argo CD cluster).

const SHIPPED_REPO = 'https://github.com/synrg/federation.git';
const IN_CLUSTER = 'https://kubernetes.default.svc';
const DEPARTMENTS_DIR = 'deploy/argocd/departments';
const APPS = ['federation', 'federation-crds', 'federation-platform', 'federation-departments'];

interface Application {
  metadata: { name: string; creationTimestamp: string; deletionTimestamp?: string };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    operationState?: { phase?: string; finishedAt?: string; message?: string };
    resources?: { kind: string; name: string; status?: string; health?: { status?: string } }[];
    conditions?: { type: string; message: string }[];
  };
}

let fp: FaultPlatform;
let platform: Platform;
let kubeconfig: string;
let admin: RestClient;
let argo: ArgoCd;
let git: LoopbackGit;
let standIns: NodeJS.Timeout;
let snapshots: NodeJS.Timeout;

const appPath = (name: string) => `/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/${name}`;
const getApp = (name: string) => admin.get<Application>(appPath(name));
/** The Applications' last state, for failure messages (kept fresh by a poll while the tests run). */
let appsSnapshot = '';
const describeApps = () => appsSnapshot;
const snapshotApps = async () =>
  (
    await Promise.all(
      APPS.map((n) =>
        getApp(n).then(
          (a) =>
            `${n}: ${a.status?.sync?.status}/${a.status?.health?.status} ${a.status?.health?.message ?? ''} ${
              a.status?.operationState?.message ?? ''
            } ${JSON.stringify(a.status?.conditions ?? [])} ${(a.status?.resources ?? [])
              .filter((r) => r.status !== 'Synced' || (r.health?.status ?? 'Healthy') !== 'Healthy')
              .map((r) => `${r.kind}/${r.name}: ${r.status}/${r.health?.status}`)
              .join(', ')}`,
          () => `${n}: absent`,
        ),
      ),
    )
  )
    .concat(await departmentConditions())
    .join('\n');

/** Each Department's phase and conditions that are not True, for failure messages. */
async function departmentConditions(): Promise<string[]> {
  const list = await admin
    .get<{ items: DepartmentObject[] }>(apiPaths.departments)
    .catch(() => ({ items: [] as DepartmentObject[] }));
  return list.items.map((d) => `Department ${d.metadata.name}: ${describeStatus(d)}`);
}

/** Asks Argo CD to look at git now (what a webhook from the git server does), instead of its next poll. */
async function refresh(name: string, kind: 'normal' | 'hard' = 'normal'): Promise<void> {
  await admin.mergePatch(
    appPath(name),
    { metadata: { annotations: { 'argocd.argoproj.io/refresh': kind } } },
    'federation-test',
  );
}

async function waitForApps(
  names: string[],
  check: (a: Application) => boolean,
  what: string,
  timeoutMs = 240_000,
): Promise<void> {
  await waitFor(async () => (await Promise.all(names.map(getApp))).every(check), {
    timeoutMs,
    intervalMs: 500,
    describe: () => `Applications never ${what}:\n${describeApps()}`,
  });
}

const syncedAndHealthy = (a: Application) =>
  a.status?.sync?.status === 'Synced' && a.status?.health?.status === 'Healthy';

async function exists(path: string): Promise<boolean> {
  return admin.get(path).then(
    () => true,
    (err) => {
      if (isNotFound(err)) return false;
      throw err;
    },
  );
}

const NS = '/namespaces/federation-system';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const ok = (type: string, generation?: number) => ({
  type,
  status: 'True',
  reason: type,
  message: 'simulated',
  lastTransitionTime: now(),
  ...(generation === undefined ? {} : { observedGeneration: generation }),
});

interface Listed {
  items: {
    metadata: { name: string; generation?: number };
    spec?: { parentRefs?: { name: string }[] };
    status?: unknown;
  }[];
}

/** What CloudNativePG and a Gateway API controller would write into status, for the platform's objects. */
async function standInForOperators(): Promise<void> {
  const patchStatus = (path: string, status: unknown) =>
    admin.mergePatch(`${path}/status`, { status }, 'federation-test');
  const clusters = await admin.get<Listed>(`/apis/postgresql.cnpg.io/v1${NS}/clusters`);
  for (const c of clusters.items) {
    await patchStatus(`/apis/postgresql.cnpg.io/v1${NS}/clusters/${c.metadata.name}`, {
      phase: 'Cluster in healthy state',
      conditions: [ok('Ready')],
    });
  }
  const gateways = await admin.get<Listed>(`/apis/gateway.networking.k8s.io/v1${NS}/gateways`);
  for (const g of gateways.items) {
    await patchStatus(`/apis/gateway.networking.k8s.io/v1${NS}/gateways/${g.metadata.name}`, {
      conditions: [ok('Accepted', g.metadata.generation), ok('Programmed', g.metadata.generation)],
    });
  }
  const routes = await admin.get<Listed>(`/apis/gateway.networking.k8s.io/v1${NS}/httproutes`);
  for (const r of routes.items) {
    await patchStatus(`/apis/gateway.networking.k8s.io/v1${NS}/httproutes/${r.metadata.name}`, {
      parents: (r.spec?.parentRefs ?? []).map((ref) => ({
        parentRef: ref,
        controllerName: 'federation.test/stand-in',
        conditions: [ok('Accepted', r.metadata.generation), ok('ResolvedRefs', r.metadata.generation)],
      })),
    });
  }
}

/** What a platform team changes in its fork of deploy/argocd: the repository URL and the cluster. */
async function pointAtThisCluster(work: string): Promise<void> {
  const dirs = ['deploy/argocd', 'deploy/argocd/apps'];
  for (const dir of dirs) {
    for (const file of await readdir(join(work, dir))) {
      if (!file.endsWith('.yaml')) continue;
      const path = join(work, dir, file);
      const text = await readFile(path, 'utf8');
      await writeFile(path, text.replaceAll(SHIPPED_REPO, git.url).replaceAll(IN_CLUSTER, argo.clusterServer));
    }
  }
}

/** A department's Google OAuth client Secret, as `kubectl create secret` and `kubectl label` leave it. */
async function oauthClient(department: string): Promise<void> {
  await kubectlOk(
    kubeconfig,
    ['apply', '--server-side', '--field-manager', 'platform-team', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `${department}-google-oauth`,
        namespace: OAUTH_CLIENTS_NAMESPACE,
        labels: { [DEPARTMENT_LABEL]: department },
      },
      type: 'Opaque',
      stringData: { client_id: `${department}.apps.googleusercontent.com`, client_secret: 'gitops-test-only' },
    }),
  );
}

async function editDepartment(name: string, edit: (d: Record<string, unknown>) => void): Promise<void> {
  await git.commit(`edit department ${name}`, async (work) => {
    const file = join(work, DEPARTMENTS_DIR, `${name}.yaml`);
    const doc = parse(await readFile(file, 'utf8'));
    edit(doc);
    await writeFile(file, stringify(doc));
  });
  await refresh('federation-departments');
}

describe('GitOps: Argo CD syncs the shipped install from git', { timeout: 400_000 }, () => {
  beforeAll(async () => {
    fp = await startFaultPlatform(
      (line) => {
        if (process.env.FEDERATION_TEST_VERBOSE) console.log(`[gitops] ${line}`);
      },
      { installCrds: false, agentStubs: AGENT_IMAGE },
    );
    platform = fp.platform;
    kubeconfig = platform.kubeconfig;
    admin = adminClient(kubeconfig);
    argo = await startArgoCd(platform, { appResyncSeconds: 10 });
    git = await LoopbackGit.start(platform);
    await git.commit('the shipped install', async () => {
      await git.copyFromRepository(['deploy', 'crds']);
      await pointAtThisCluster(git.work);
    });
    // No CloudNativePG operator and no Gateway API controller run here: stand in for them as kwok does for the
    // kubelet, reporting what they would once their objects exist.
    standIns = setInterval(() => {
      void standInForOperators().catch(() => {});
    }, 2000);
    snapshots = setInterval(() => {
      snapshotApps().then(
        (text) => {
          appsSnapshot = text;
        },
        () => {},
      );
    }, 2000);
  }, 300_000);

  afterAll(async () => {
    clearInterval(standIns);
    clearInterval(snapshots);
    await closeInventory();
    await fp?.stop();
  });

  it('bootstrap: the app of apps syncs the CRDs, the platform, then the Departments; all Synced and Healthy', async () => {
    const argocdDir = join(git.work, 'deploy', 'argocd');
    // What the platform team creates outside git (deploy/README.md): each shipped Department's OAuth client.
    for (const name of ['marketing', 'customer-support']) await oauthClient(name);
    // Sync waves, watched as they happen from before the root is applied: the platform's Application may appear
    // only once the CRDs' is Healthy, the Departments' only once the platform's is (its Deployments available:
    // kwok runs their pods; its database and routes reported ready). Each poll reads the later waves first, one
    // after another: an Application seen to exist was created before the earlier wave's health is read.
    const firstSeen: Record<string, number> = {};
    let watching = true;
    const watch = (async () => {
      // Poll numbers, not times: within one poll the earlier wave is read last.
      for (let at = 0; watching; at++) {
        for (const n of [...APPS].reverse()) {
          const app = await getApp(n).catch(() => undefined);
          if (!app) continue;
          firstSeen[`${n} exists`] ??= at;
          if (app.status?.health?.status === 'Healthy') firstSeen[`${n} healthy`] ??= at;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await kubectlOk(kubeconfig, ['apply', '-f', join(argocdDir, 'project.yaml'), '-f', join(argocdDir, 'root.yaml')]);
      // The controller starts once its CRDs exist (in a cluster: once the platform's Deployment runs it).
      await waitForApps(['federation-crds'], syncedAndHealthy, 'synced the CRDs');
      await fp.startController({ BACKOFF_BASE: '200ms', BACKOFF_MAX: '5s' });
      await waitForApps(APPS, syncedAndHealthy, 'became Synced and Healthy', 300_000);
    } finally {
      watching = false;
      await watch;
    }
    const seen = JSON.stringify(firstSeen);
    expect(firstSeen['federation-platform exists'], seen).toBeGreaterThanOrEqual(
      firstSeen['federation-crds healthy'] ?? Infinity,
    );
    expect(firstSeen['federation-departments exists'], seen).toBeGreaterThanOrEqual(
      firstSeen['federation-platform healthy'] ?? Infinity,
    );
    const departments = await getApp('federation-departments');
    // The Departments in git are there, reconciled, and Healthy by the repository's Lua.
    const marketing = await admin.get<DepartmentObject>(apiPaths.department('marketing'));
    expect(condition(marketing, 'Ready')?.status).toBe('True');
    expect(departments?.status?.resources).toContainEqual(
      expect.objectContaining({
        kind: 'Department',
        name: 'marketing',
        health: { status: 'Healthy', message: 'all components are ready' },
      }),
    );
  });

  it('a commit that adds Departments: synced, provisioned, Progressing then Healthy through the Lua', async () => {
    await git.commit('add the research and archive departments', async (work) => {
      for (const [name, deletionPolicy] of [
        ['research', 'Delete'],
        ['archive', 'Retain'],
      ] as const) {
        await writeFile(
          join(work, DEPARTMENTS_DIR, `${name}.yaml`),
          stringify({
            apiVersion: 'federation.synrg.io/v1alpha1',
            kind: 'Department',
            metadata: { name },
            spec: {
              displayName: name[0]?.toUpperCase() + name.slice(1),
              adminEmail: `${name}-admin@example.com`,
              enabledTools: ['database'],
              deletionPolicy,
            },
          }),
        );
      }
    });
    await refresh('federation-departments');
    // The health Argo CD reports for the new Departments while the controller provisions them.
    const seen = new Set<string>();
    await waitFor(
      async () => {
        const app = await getApp('federation-departments');
        for (const r of app.status?.resources ?? []) {
          if (r.kind === 'Department' && r.name === 'research' && r.health?.status) seen.add(r.health.status);
        }
        return seen.has('Healthy') && syncedAndHealthy(app);
      },
      {
        timeoutMs: 300_000,
        intervalMs: 250,
        describe: () => `research's health went ${[...seen]}:\n${describeApps()}`,
      },
    );
    expect(seen).toContain('Progressing');
    for (const name of ['research', 'archive']) {
      const department = await admin.get<DepartmentObject>(apiPaths.department(name));
      expect(condition(department, 'Ready')?.status, name).toBe('True');
      // Provisioned in every system the platform writes to.
      const found = await inventory(fp, name);
      expect(found, name).toMatchObject({ namespace: true, schema: true, roles: 1, railwayProjects: 1 });
      expect(found.workflows.length, name).toBeGreaterThan(0);
    }
  });

  it('a commit that changes spec.llm.model: synced, observedGeneration follows, Healthy again', async () => {
    const before = await admin.get<DepartmentObject>(apiPaths.department('research'));
    await editDepartment('research', (d) => {
      (d.spec as Record<string, unknown>).llm = { provider: 'cerebras', model: 'llama-3.3-70b' };
    });
    await waitFor(
      async () => {
        const d = await admin.get<DepartmentObject>(apiPaths.department('research'));
        return (
          d.metadata.generation === (before.metadata.generation ?? 0) + 1 &&
          d.status?.observedGeneration === d.metadata.generation
        );
      },
      { timeoutMs: 120_000, describe: describeApps },
    );
    await waitForApps(['federation-departments'], syncedAndHealthy, 'settled after the model change');
    const after = await admin.get<DepartmentObject>(apiPaths.department('research'));
    expect((after.spec as { llm?: { model?: string } }).llm?.model).toBe('llama-3.3-70b');
  });

  it('a commit that removes Departments, with prune: Delete drops the tenant, Retain keeps it', async () => {
    await git.commit('remove the research and archive departments', async (work) => {
      for (const name of ['research', 'archive']) await rm(join(work, DEPARTMENTS_DIR, `${name}.yaml`));
    });
    await refresh('federation-departments');
    for (const name of ['research', 'archive']) {
      await waitFor(async () => !(await exists(apiPaths.department(name))), {
        timeoutMs: 180_000,
        describe: describeApps,
      });
    }
    // deletionPolicy Delete: the namespace finishes deleting, the tenant schema and role, the workflows and the
    // Railway project are gone.
    await waitFor(async () => !(await exists('/api/v1/namespaces/dept-research')), {
      timeoutMs: 60_000,
      describe: () => 'dept-research never finished deleting',
    });
    expect(await inventory(fp, 'research')).toMatchObject({
      namespace: false,
      schema: false,
      roles: 0,
      registryStatus: 'DEPROVISIONED',
      workflows: [],
      railwayProjects: 0,
    });
    // deletionPolicy Retain: the Department is gone, its data and its running agent are not.
    expect(await inventory(fp, 'archive')).toMatchObject({ namespace: true, schema: true, railwayProjects: 1 });
    await waitForApps(APPS, syncedAndHealthy, 'settled after the removal');
  });

  it('after settling, two refresh cycles find nothing OutOfSync (defaults, status, managed fields)', async () => {
    for (let cycle = 0; cycle < 2; cycle++) {
      const before = new Map<string, string | undefined>();
      for (const name of APPS) before.set(name, (await getApp(name)).status?.sync?.revision);
      await Promise.all(APPS.map((name) => refresh(name, 'hard')));
      // The refresh annotation is removed once Argo CD has compared again.
      await waitFor(
        async () =>
          (
            await Promise.all(
              APPS.map((n) => admin.get<{ metadata: { annotations?: Record<string, string> } }>(appPath(n))),
            )
          ).every((a) => a.metadata.annotations?.['argocd.argoproj.io/refresh'] === undefined),
        { timeoutMs: 60_000, describe: describeApps },
      );
      for (const name of APPS) {
        const app = await getApp(name);
        expect(app.status?.sync?.status, `${name} after refresh ${cycle + 1}`).toBe('Synced');
        expect(app.status?.resources?.filter((r) => r.status !== 'Synced').map((r) => `${r.kind}/${r.name}`)).toEqual(
          [],
        );
      }
    }
  });

  it('deleting the root Application removes the operator and keeps the CRDs and every Department', async () => {
    await admin.delete(appPath('federation'));
    await waitFor(async () => !(await exists(appPath('federation-platform'))), {
      timeoutMs: 180_000,
      describe: describeApps,
    });
    await waitFor(
      async () => !(await exists('/apis/apps/v1/namespaces/federation-system/deployments/federation-controller')),
      { timeoutMs: 60_000, describe: () => 'the controller Deployment outlived its Application' },
    );
    await waitFor(async () => !(await exists(appPath('federation'))), { timeoutMs: 60_000, describe: describeApps });
    for (const crd of ['departments.federation.synrg.io', 'crossdepartmentgrants.federation.synrg.io']) {
      expect(await exists(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`)).toBe(true);
    }
    for (const name of ['marketing', 'customer-support']) {
      const d = await admin.get<DepartmentObject>(apiPaths.department(name));
      expect(d.metadata.deletionTimestamp).toBeUndefined();
      // And their data: the tenant schema and the Railway project.
      expect(await inventory(fp, name), name).toMatchObject({ schema: true, railwayProjects: 1 });
    }
    // What holds the departments' data and credentials carries Prune=false,Delete=false: it stays too.
    for (const path of [
      '/api/v1/namespaces/federation-system',
      '/api/v1/namespaces/federation-oauth-clients',
      `/apis/postgresql.cnpg.io/v1${NS}/clusters/federation-db`,
    ]) {
      const kept = await admin.get<{ metadata: { deletionTimestamp?: string } }>(path);
      expect(kept.metadata.deletionTimestamp, path).toBeUndefined();
    }
  });
});
