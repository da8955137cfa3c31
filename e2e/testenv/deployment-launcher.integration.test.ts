import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureGatewayDatabase } from '../../controller/platform/database/gateway-role.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { KEY_SECRET_NAMESPACE } from '../../controller/platform/tokens/constants.ts';
import { createTestDatabase, kubeConfigFrom, type TestDatabase } from '../support/database.ts';
import { ensureNamespace } from '../support/gateway.ts';
import { launchContainer } from './deployment-launcher.ts';
import { findObject, type KubeObject, renderKustomization } from './kustomize.ts';
import { type Platform, startPlatform } from './platform.ts';
import { installProductionTree, type ProductionTree } from './production-tree.ts';
import { REPO_ROOT } from './repo-root.ts';
import { controllerKubeconfig, gatewayKubeconfig } from './service-account.ts';
import { Watchdog } from './watchdog.ts';

/** The process's environment as it started. */
function environ(pid: number): Record<string, string> {
  const pairs = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

let tree: ProductionTree;
let watchdog: Watchdog;
let rendered: KubeObject[];

beforeAll(async () => {
  tree = await installProductionTree();
  rendered = await renderKustomization(join(REPO_ROOT, 'deploy/base'));
  watchdog = new Watchdog();
}, 600_000);

afterAll(() => {
  watchdog?.dismiss();
  tree?.remove();
});

describe('launchContainer: the shipped gateway started from its rendered Deployment', () => {
  let db: TestDatabase;
  let kube: RestClient;
  let kubeconfig: string;
  let scratch: string;
  const secrets: Record<string, Record<string, string>> = {};
  const suffix = randomBytes(4).toString('hex');

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    const adminKubeconfig = inject('kubeconfig');
    kube = new RestClient(kubeConfigFrom(adminKubeconfig));
    await ensureNamespace(adminKubeconfig, KEY_SECRET_NAMESPACE);
    // What the controller's leader does before the gateway's pods can start: the gateway's login role and its
    // Secret gateway-database (here under names of this test's own).
    const url = await ensureGatewayDatabase({
      adminPool: db.pool,
      kube,
      roleName: `gateway_launch_${suffix}`,
      secret: { namespace: KEY_SECRET_NAMESPACE, name: `gateway-database-${suffix}` },
    });
    secrets['gateway-database'] = { url };
    scratch = mkdtempSync(join(tmpdir(), 'fed-launch-'));
    kubeconfig = await gatewayKubeconfig(adminKubeconfig, join(scratch, 'gateway.kubeconfig'));
  });

  afterAll(async () => {
    await db?.drop([]);
    kube?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const launch = (objects: KubeObject[]) =>
    launchContainer({
      objects,
      deployment: 'federation-gateway',
      container: 'gateway',
      tree,
      target: 'gateway',
      secrets,
      kubeconfig,
      watchdog,
    });

  it('runs the image CMD from the tree with the manifest env, as its user, and every probe path answers', async () => {
    const gateway = await launch(rendered);
    try {
      const { plan } = gateway;
      expect(plan.argv).toEqual([process.execPath, join(tree.root, 'dist/gateway/main.js')]);
      expect(plan.cwd).toBe(tree.root);
      expect(plan.user).toEqual({ uid: 65532, gid: 65532 });
      expect(plan.probes.map((p) => [p.kind, p.path])).toEqual([
        ['liveness', '/healthz'],
        ['readiness', '/readyz'],
      ]);
      const env = environ(gateway.process.pid);
      // The ConfigMap's settings (envFrom), the Secret's key (env), the image's ENV, the /tmp volume.
      expect(env.PROVISIONING_PER_HOUR).toBe('5');
      expect(env.GATEWAY_DATABASE_URL).toBe(secrets['gateway-database']?.url);
      expect(env.NODE_ENV).toBe('production');
      expect(env.TMPDIR).toBe(plan.mounts.find((m) => m.mountPath === '/tmp')?.dir);
      // PORT=8443 and HOST=0.0.0.0 of the ConfigMap are the pod's: here a loopback port of its own.
      expect(env.PORT).toBe(String(plan.ports.get(8443)));
      expect(env.HOST).toBe('127.0.0.1');
      for (const path of ['/healthz', '/readyz']) expect((await fetch(`${gateway.url(8443)}${path}`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });

  it('fails when the manifest drops a setting the gateway needs (its database URL)', async () => {
    const objects = structuredClone(rendered);
    const container = findObject(objects, 'Deployment', 'federation-gateway').spec.template.spec.containers[0];
    container.env = container.env.filter((v: { name: string }) => v.name !== 'GATEWAY_DATABASE_URL');
    const failure = await launch(objects).then(
      async (started) => {
        await started.stop();
        return new Error('started');
      },
      (err: Error) => err,
    );
    expect(failure.message).toMatch(/federation-gateway's liveness probe \/healthz: the process exited first/);
    expect(failure.message).toContain('GATEWAY_DATABASE_URL'); // the gateway's own refusal, from its log
  });

  it('fails when the manifest reads a Secret the cluster does not hold', async () => {
    const objects = structuredClone(rendered);
    const container = findObject(objects, 'Deployment', 'federation-gateway').spec.template.spec.containers[0];
    container.env[0].valueFrom.secretKeyRef.name = 'gateway-db';
    await expect(launch(objects)).rejects.toThrow(/needs Secret gateway-db key url/);
  });
});

describe('launchContainer: the shipped controller started from its rendered Deployment', () => {
  let platform: Platform;

  beforeAll(async () => {
    // An API server and Postgres of its own: the controller reconciles every Department it sees, and the shared
    // test environment holds other tests' Departments.
    platform = await startPlatform({ installCrds: true });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('starts from the manifest with the platform database Secret, and its probe paths answer', async () => {
    const kubeconfig = await controllerKubeconfig(
      platform.kubeconfig,
      join(platform.secretsDir, 'controller.kubeconfig'),
    );
    const controller = await launchContainer({
      objects: rendered,
      deployment: 'federation-controller',
      container: 'controller',
      tree,
      target: 'controller',
      secrets: { 'federation-platform-database': { url: platform.databaseUrl } },
      kubeconfig,
      watchdog,
    });
    try {
      const { plan } = controller;
      expect(plan.probes.map((p) => [p.kind, p.path])).toEqual([
        ['startup', '/healthz'],
        ['liveness', '/healthz'],
        ['readiness', '/readyz'],
      ]);
      const env = environ(controller.process.pid);
      const work = plan.mounts.find((m) => m.mountPath === '/var/lib/federation')?.dir as string;
      // The ConfigMap's paths on the emptyDir volume, the field references, the image's Pulumi CLI in the tree.
      expect(env.HOME).toBe(work);
      expect(env.RUNTIME_WORK_DIR).toBe(join(work, 'pulumi'));
      expect(env.POD_NAME).toBe('federation-controller-local');
      expect(env.LEASE_NAMESPACE).toBe('federation-system');
      expect(env.PULUMI_CLI_ROOT).toBe(join(tree.base, 'opt/pulumi'));
      expect(env.METRICS_PORT).toBe(String(plan.ports.get(8080)));
      expect((await fetch(`${controller.url(8080)}/readyz`)).status).toBe(200);
    } finally {
      await controller.stop();
    }
  });

  it('does not start without the platform database Secret its manifest reads (CreateContainerConfigError)', async () => {
    // The controller itself starts without DATABASE_URL (its database components then report SettingsMissing):
    // what the manifest makes required is the Secret, as the kubelet would refuse the pod.
    const kubeconfig = await controllerKubeconfig(
      platform.kubeconfig,
      join(platform.secretsDir, 'controller.kubeconfig'),
    );
    const started = launchContainer({
      objects: rendered,
      deployment: 'federation-controller',
      container: 'controller',
      tree,
      target: 'controller',
      secrets: {},
      kubeconfig,
      watchdog,
    });
    await expect(started).rejects.toThrow('DATABASE_URL needs Secret federation-platform-database key url');
  });
});
