import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launcherArgs } from '../platform/launcher.mjs';
import { kubectlOk } from '../testenv/kubectl.ts';
import { REPO_ROOT } from '../testenv/platform.ts';
import { waitFor } from '../testenv/wait.ts';

/** Test support (not a test): `npm start` run as a child process, with what it wrote to local.env. */
export interface LaunchedPlatform {
  child: ChildProcess;
  stateDir: string;
  env: Record<string, string>;
  kubeconfig: string;
  output: () => string;
  exited: Promise<number | null>;
}

export async function launchPlatform(
  opts: {
    args?: string[];
    stateDir?: string;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    /**
     * Runs the launcher from a POSIX shell that sourced this file first (`set -a; . file; set +a`, as the README
     * says to call the gateway); `child` is that shell, which stays the launcher's parent, and leads a process
     * group of its own, as a terminal's foreground job does.
     */
    sourcing?: string;
  } = {},
): Promise<LaunchedPlatform> {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'federation-state-'));
  const cwd = opts.cwd ?? REPO_ROOT;
  // As npm start runs it (e2e/bootstrap.mjs): from the local build of the checkout it runs in.
  const launcher = await launcherArgs(cwd, () => {});
  const args = [...launcher, ...(opts.args ?? [])];
  const sourcing = opts.sourcing;
  const child = spawn(
    sourcing ? 'sh' : process.execPath,
    sourcing ? ['-c', 'set -a; . "$0"; set +a; "$@"; exit $?', sourcing, process.execPath, ...args] : args,
    {
      cwd,
      env: { ...process.env, FEDERATION_STATE_DIR: stateDir, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: sourcing !== undefined,
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const localEnv = join(stateDir, 'local.env');
  await waitFor(async () => existsSync(localEnv) || child.exitCode !== null, {
    timeoutMs: opts.timeoutMs ?? 240_000,
    intervalMs: 250,
    describe: () => `npm start did not write local.env:\n${output}`,
  });
  if (!existsSync(localEnv)) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
  const env = Object.fromEntries(
    readFileSync(localEnv, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { child, stateDir, env, kubeconfig: join(stateDir, 'kubeconfig'), output: () => output, exited };
}

/** Waits until every example Department is Active (which takes its agent running and healthy). */
export async function waitForExamplesActive(platform: LaunchedPlatform, timeoutMs = 300_000): Promise<void> {
  await waitFor(
    async () => {
      const phases = await kubectlOk(platform.kubeconfig, ['get', 'dept', '-o', 'jsonpath={.items[*].status.phase}']);
      return phases.split(' ').filter((p) => p === 'Active').length === 3;
    },
    { timeoutMs, describe: () => `examples did not become Active:\n${platform.output()}` },
  );
}
