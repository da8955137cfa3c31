import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedPlatform, launchPlatform } from '../support/launch-platform.ts';
import { kubectlOk } from '../testenv/kubectl.ts';
import { identityOf, isRunning, type ProcessId, serverProcesses } from '../testenv/process-identity.mjs';
import { listProcesses, processesMentioning } from '../testenv/processes.ts';
import { waitFor } from '../testenv/wait.ts';

const AGENT_MAIN = 'agent-image/dist/agent-image/src/main.js';

/** RuntimeReady of each example Department: True once its agent's deployment answered its health check. */
function runtimeReady(platform: LaunchedPlatform): Promise<string> {
  return kubectlOk(platform.kubeconfig, [
    'get',
    'dept',
    '-o',
    'jsonpath={range .items[*]}{.status.conditions[?(@.type=="RuntimeReady")].status}{" "}{end}',
  ]).then((out) => out.trim());
}

/** Every process of a run: those naming its run directory, and the servers its launcher started on `dataDir`. */
function processesOfRun(runDir: string, dataDir: string): string[] {
  const named = processesMentioning(runDir).map((p) => `${p.pid} ${p.cmdline}`);
  const servers = serverProcesses()
    .filter((p) => p.dataDir === dataDir)
    .map((p) => `${p.id.pid} (server of ${p.owner.pid})`);
  return [...named, ...servers];
}

describe('npm start on a kept state', { timeout: 1_500_000 }, () => {
  const launched: LaunchedPlatform[] = [];
  let stateDir: string;
  let dataDir: string;
  /** What the first run wrote to local.env. */
  let previousEnv: string;

  beforeAll(async () => {
    const first = await launchPlatform({ args: ['--fresh'] });
    launched.push(first);
    stateDir = first.stateDir;
    dataDir = join(stateDir, 'data');
    // Its agents' deployments succeed (they answered their health check): each later start brings them back.
    await waitFor(async () => (await runtimeReady(first)) === 'True True True', {
      timeoutMs: 300_000,
      intervalMs: 1_000,
      describe: () => `the examples' agents were not deployed:\n${first.output()}`,
    });
    previousEnv = readFileSync(join(stateDir, 'local.env'), 'utf8');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
  }, 900_000);

  afterAll(async () => {
    for (const p of launched) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
      // A test that failed half-way: SIGKILL (the watchdog stops the servers), the shell's whole group included.
      if (p.child.pid !== undefined) {
        try {
          process.kill(-p.child.pid, 'SIGKILL');
        } catch {
          p.child.kill('SIGKILL');
        }
      }
      await p.exited;
    }
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts from a shell that sourced the previous run’s local.env, and stops nothing of its own', async () => {
    const sourced = join(stateDir, 'previous-local.env');
    writeFileSync(sourced, previousEnv, { mode: 0o600 });
    // The shell's environment names the data directory (FEDERATION_DATA_DIR) and the previous run's directory.
    const platform = await launchPlatform({ stateDir, sourcing: sourced });
    launched.push(platform);
    const shell = identityOf(platform.child.pid as number) as ProcessId;
    const launcher = listProcesses().find((p) => p.ppid === shell.pid && p.cmdline.includes('main.js'));
    expect(launcher, 'the launcher runs below the shell').toBeDefined();
    const launcherId = identityOf(launcher?.pid as number) as ProcessId;
    expect(platform.output()).not.toContain('stopping');
    expect({ shell: isRunning(shell), launcher: isRunning(launcherId) }).toEqual({ shell: true, launcher: true });

    // Ctrl-C in that terminal: SIGINT to the foreground job's group.
    process.kill(-shell.pid, 'SIGINT');
    await waitFor(async () => !isRunning(launcherId), {
      timeoutMs: 120_000,
      describe: () => `the launcher did not stop:\n${platform.output()}`,
    });
    expect(platform.output()).toContain('[federation] stopped');
    expect(processesOfRun(platform.env.FEDERATION_RUN_DIR as string, dataDir)).toEqual([]);
  });

  it('leaves no process of the run behind when Ctrl-C comes right after its agents come back', async () => {
    const platform = await launchPlatform({ stateDir });
    launched.push(platform);
    const runDir = platform.env.FEDERATION_RUN_DIR as string;
    const agents = () => processesMentioning(runDir).filter((p) => p.cmdline.includes(AGENT_MAIN));
    await waitFor(async () => agents().length === 3, {
      timeoutMs: 120_000,
      intervalMs: 50,
      describe: () => `the three agents did not come back (${agents().length}):\n${platform.output()}`,
    });
    platform.child.kill('SIGINT');
    expect(await platform.exited).toBe(0);
    // npm start exits once everything it started is gone: nothing is left for a watchdog to find.
    expect(processesOfRun(runDir, dataDir)).toEqual([]);
  });
});
