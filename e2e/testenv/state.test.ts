import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { identityOf, isRunning, type ProcessId, SERVER_OF, serverMarker, signalProcess } from './process-identity.mjs';
import { PlatformState } from './state.ts';
import { waitFor } from './wait.ts';

describe('PlatformState.open', () => {
  const started: ProcessId[] = [];
  let dir: string;
  afterEach(() => {
    for (const id of started.splice(0)) signalProcess(id, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** A process of its own (orphaned at once: not below this one) with `env`. */
  function sleeper(env: NodeJS.ProcessEnv): ProcessId {
    const out = execFileSync('sh', ['-c', 'sleep 600 >/dev/null 2>&1 & echo $!'], { env: { ...process.env, ...env } });
    const id = identityOf(Number(out.toString().trim())) as ProcessId;
    started.push(id);
    return id;
  }

  /** A child of this process with `env`. */
  function child(env: NodeJS.ProcessEnv): ProcessId {
    const proc = spawn('sleep', ['600'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const id = identityOf(proc.pid as number) as ProcessId;
    started.push(id);
    return id;
  }

  it('stops the servers a dead run left on its data, and nothing else that names the data directory', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fed-state-'));
    const data = join(dir, 'data');
    const deadOwner = sleeper({});
    signalProcess(deadOwner, 'SIGKILL');
    await waitFor(async () => !isRunning(deadOwner), { timeoutMs: 10_000, describe: () => 'sleep survived SIGKILL' });
    const liveOwner = sleeper({});
    // A server of a run that is gone, on this data directory: a leftover.
    const leftover = sleeper({ [SERVER_OF]: serverMarker(deadOwner, data) });
    // A shell that sourced the last run's local.env, and a dead run's server on another data directory.
    const shell = sleeper({ FEDERATION_DATA_DIR: data, FEDERATION_RUN_DIR: join(tmpdir(), 'federation-x') });
    const elsewhere = sleeper({ [SERVER_OF]: serverMarker(deadOwner, join(dir, 'other')) });
    // A server whose run still runs, and a process below this one, whatever it carries.
    const owned = sleeper({ [SERVER_OF]: serverMarker(liveOwner, data) });
    const descendant = child({ [SERVER_OF]: serverMarker(deadOwner, data) });

    const state = await PlatformState.open(data);
    await state.close();

    expect(isRunning(leftover)).toBe(false);
    const running = (ids: Record<string, ProcessId>) =>
      Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, isRunning(id)]));
    expect(running({ shell, elsewhere, owned, descendant })).toEqual({
      shell: true,
      elsewhere: true,
      owned: true,
      descendant: true,
    });
  });
});
