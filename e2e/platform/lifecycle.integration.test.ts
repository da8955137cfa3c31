import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CROSS_DEPT_QUERY, searchRequest } from '../support/gateway-requests.ts';
import { expectAgentsRunning } from '../support/platform-agents.ts';
import { kubectlOk } from '../testenv/kubectl.ts';
import { REPO_ROOT } from '../testenv/platform.ts';
import { processesMentioning } from '../testenv/processes.ts';
import { waitFor } from '../testenv/wait.ts';

interface Launched {
  child: ChildProcess;
  stateDir: string;
  runDir: string;
  gatewayUrl: string;
  env: Record<string, string>;
  output: () => string;
}

const launched: Launched[] = [];

async function launch(): Promise<Launched> {
  const stateDir = mkdtempSync(join(tmpdir(), 'federation-state-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'e2e/platform/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, FEDERATION_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const localEnv = join(stateDir, 'local.env');
  await waitFor(async () => existsSync(localEnv), {
    timeoutMs: 240_000,
    intervalMs: 250,
    describe: () => `npm start did not write local.env:\n${output}`,
  });
  const env = Object.fromEntries(
    readFileSync(localEnv, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const entry = {
    child,
    stateDir,
    runDir: env.FEDERATION_RUN_DIR as string,
    gatewayUrl: env.GATEWAY_URL as string,
    env,
    output: () => output,
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
    expect(platform.output()).toContain('kubectl --kubeconfig');
    // The controller runs too: the examples reach Active, which takes their agents running (issue 11).
    await waitFor(
      async () => {
        const phases = await kubectlOk(kubeconfig, ['get', 'dept', '-o', 'jsonpath={.items[*].status.phase}']);
        return phases.split(' ').filter((p) => p === 'Active').length === 3;
      },
      { timeoutMs: 300_000, describe: () => `examples did not become Active:\n${platform.output()}` },
    );
    await expectAgentsRunning(kubeconfig, platform.env, platform.runDir);
    expect(processesMentioning(platform.runDir).some((p) => p.cmdline.includes('controller/main.ts'))).toBe(true);

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

    const exited = new Promise<number | null>((resolve) => platform.child.on('exit', resolve));
    platform.child.kill('SIGINT');
    expect(await exited).toBe(0);
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
