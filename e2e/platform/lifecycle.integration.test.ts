import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CROSS_DEPT_QUERY, searchRequest } from '../support/gateway-requests.ts';
import { type LaunchedPlatform, launchPlatform, waitForExamplesActive } from '../support/launch-platform.ts';
import { expectAgentsRunning } from '../support/platform-agents.ts';
import { kubectlOk } from '../testenv/kubectl.ts';
import { processesMentioning } from '../testenv/processes.ts';
import { waitFor } from '../testenv/wait.ts';

interface Launched extends LaunchedPlatform {
  runDir: string;
  gatewayUrl: string;
}

const launched: Launched[] = [];

async function launch(): Promise<Launched> {
  const platform = await launchPlatform();
  const entry = {
    ...platform,
    runDir: platform.env.FEDERATION_RUN_DIR as string,
    gatewayUrl: platform.env.GATEWAY_URL as string,
  };
  launched.push(entry);
  return entry;
}

function serverNames(runDir: string): string[] {
  return processesMentioning(runDir)
    .map((p) => p.cmdline.split(' ')[0]?.split('/').pop() ?? '')
    .sort();
}

async function expectAllGone(runDir: string): Promise<void> {
  await waitFor(async () => processesMentioning(runDir).length === 0 && !existsSync(runDir), {
    timeoutMs: 30_000,
    intervalMs: 200,
    describe: () =>
      `left behind: ${JSON.stringify(processesMentioning(runDir))}, run dir exists: ${existsSync(runDir)}`,
  });
}

describe('npm start (the local platform launcher)', () => {
  afterEach(() => {
    for (const l of launched.splice(0)) {
      l.child.kill('SIGKILL');
      rmSync(l.stateDir, { recursive: true, force: true });
    }
  });

  // Bounded by its waits: up to 240 s for local.env, 300 s for the examples (and their agents) to be Active.
  it('serves the CRDs and examples, then stops everything on Ctrl-C and removes local.env', {
    timeout: 600_000,
  }, async () => {
    const platform = await launch();
    const names = serverNames(platform.runDir);
    expect(names).toEqual(expect.arrayContaining(['etcd', 'kube-apiserver']));
    if (!process.env.DATABASE_URL) expect(names).toContain('postgres');

    const kubeconfig = join(platform.stateDir, 'kubeconfig');
    await kubectlOk(kubeconfig, ['get', 'crd', 'departments.federation.synrg.io']);
    const depts = await kubectlOk(kubeconfig, ['get', 'dept', '-o', 'name']);
    expect(depts.trim().split('\n').sort()).toEqual([
      'department.federation.synrg.io/accounting',
      'department.federation.synrg.io/hr',
      'department.federation.synrg.io/sales',
    ]);
    // The controller runs too: the examples reach Active, which takes their agents running.
    await waitForExamplesActive(platform, 300_000);
    // The summary (each example's phase, the kubectl hints) follows once the examples have settled.
    await waitFor(async () => platform.output().includes('kubectl --kubeconfig'), {
      timeoutMs: 60_000,
      intervalMs: 200,
      describe: () => `no summary with kubectl hints in: ${platform.output()}`,
    });
    await expectAgentsRunning(platform.kubeconfig, platform.env, platform.runDir);
    // Both run on plain Node from the checkout's local build (e2e/platform/local-build.ts), not through tsx.
    const ours = processesMentioning(platform.runDir).map((p) => p.cmdline);
    expect(ours.some((c) => c.endsWith('.federation/build/controller/main.js'))).toBe(true);
    expect(ours.some((c) => c.endsWith('.federation/build/gateway/main.js'))).toBe(true);

    // The gateway runs too, and the agent token the controller minted for hr works through the example grant.
    expect((await fetch(`${platform.gatewayUrl}/readyz`)).status).toBe(200);
    const token = Buffer.from(
      await kubectlOk(kubeconfig, ['get', 'secret', 'gateway-token', '-n', 'dept-hr', '-o', 'jsonpath={.data.token}']),
      'base64',
    ).toString();
    const query = (target: string) =>
      fetch(`${platform.gatewayUrl}${CROSS_DEPT_QUERY}`, searchRequest(`Bearer ${token}`, target, 'contract'));
    const allowed = await query('sales');
    expect({ status: allowed.status, body: await allowed.json() }).toMatchObject({
      status: 200,
      body: { success: true, results_count: 0 },
    });
    const denied = await query('accounting');
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toContain('application/problem+json');

    platform.child.kill('SIGINT');
    expect(await platform.exited).toBe(0);
    expect(existsSync(join(platform.stateDir, 'local.env'))).toBe(false);
    await expectAllGone(platform.runDir);
  });

  it('leaves no etcd, kube-apiserver or postgres behind when it is SIGKILLed', { timeout: 300_000 }, async () => {
    const platform = await launch();
    expect(processesMentioning(platform.runDir).length).toBeGreaterThanOrEqual(2);
    platform.child.kill('SIGKILL');
    await expectAllGone(platform.runDir);
  });
});
