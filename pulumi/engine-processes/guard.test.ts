import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { processesMentioning } from '../../e2e/testenv/processes.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import { GUARD } from './private-cli.ts';

const started: ChildProcess[] = [];

/**
 * A parent that starts `argv` (node's arguments) as the controller starts the engine, naming itself the owner,
 * and then idles until killed; its whole tree carries `marker`.
 */
function parentOf(marker: string, argv: string[], { owner = true } = {}): ChildProcess {
  const script = `const env = { ...process.env${owner ? ', FEDERATION_ENGINE_OWNER: String(process.pid)' : ''} };
require('node:child_process').spawn(process.execPath, ${JSON.stringify(argv)}, { stdio: 'ignore', env });
setInterval(() => {}, 1 << 30);`;
  const parent = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, GUARD_TEST: marker },
    stdio: 'ignore',
  });
  started.push(parent);
  return parent;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

async function gone(marker: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => processesMentioning(marker).length === 0, {
    timeoutMs,
    intervalMs: 100,
    describe: () => `still running: ${JSON.stringify(processesMentioning(marker).map((p) => p.cmdline))}`,
  });
}

afterEach(() => {
  for (const p of started.splice(0)) p.kill('SIGKILL');
});

describe('engine process guard', { timeout: 30_000 }, () => {
  it('kills its command and everything in the command’s process group when its parent is SIGKILLed', async () => {
    const marker = `guard-${randomBytes(6).toString('hex')}`;
    // No owner named: the guard's own watch of its parent pid does it.
    const parent = parentOf(marker, [GUARD, 'sh', '-c', 'sleep 300 & sleep 300'], { owner: false });
    // parent, guard, sh and its two sleeps
    await waitFor(async () => processesMentioning(marker).length >= 5, {
      timeoutMs: 10_000,
      describe: () => `the guarded tree did not start: ${JSON.stringify(processesMentioning(marker))}`,
    });
    parent.kill('SIGKILL');
    await gone(marker);
  });

  it('ends a Node process that preloads it when its parent is SIGKILLed, even before it got to look', async () => {
    const marker = `guard-${randomBytes(6).toString('hex')}`;
    const parent = parentOf(marker, ['--import', GUARD, '-e', 'setInterval(() => {}, 1 << 30)']);
    await waitFor(async () => processesMentioning(marker).length >= 2, {
      timeoutMs: 10_000,
      describe: () => 'the preloading child did not start',
    });
    parent.kill('SIGKILL');
    await gone(marker);
  });

  it('passes its command’s exit code on and kills what the command left in its group', async () => {
    const marker = `guard-${randomBytes(6).toString('hex')}`;
    const guard = spawn(process.execPath, [GUARD, 'sh', '-c', 'sleep 300 & exit 3'], {
      env: { ...process.env, GUARD_TEST: marker },
      stdio: 'ignore',
    });
    started.push(guard);
    expect(await exitOf(guard)).toEqual({ code: 3, signal: null });
    await gone(marker, 3000);
  });

  it('passes SIGINT on to its command (how the Automation API cancels an update)', async () => {
    const marker = `guard-${randomBytes(6).toString('hex')}`;
    const guard = spawn(
      process.execPath,
      [GUARD, process.execPath, '-e', "process.on('SIGINT', () => process.exit(42)); setInterval(() => {}, 1000)"],
      { env: { ...process.env, GUARD_TEST: marker }, stdio: 'ignore' },
    );
    started.push(guard);
    await waitFor(async () => processesMentioning(marker).length >= 2, {
      timeoutMs: 10_000,
      describe: () => 'the command did not start',
    });
    await new Promise((r) => setTimeout(r, 300)); // its SIGINT handler is installed
    guard.kill('SIGINT');
    expect(await exitOf(guard)).toEqual({ code: 42, signal: null });
  });

  it('kills its command’s group when the command is still running after the stop grace period', async () => {
    const marker = `guard-${randomBytes(6).toString('hex')}`;
    // An engine that does not end on SIGINT (it waits for a provider call that never returns).
    const guard = spawn(process.execPath, [GUARD, 'sh', '-c', 'trap "" INT; sleep 300 & wait'], {
      env: { ...process.env, GUARD_TEST: marker, FEDERATION_ENGINE_STOP_GRACE_MS: '500' },
      stdio: 'ignore',
    });
    started.push(guard);
    await waitFor(async () => processesMentioning(marker).length >= 3, {
      timeoutMs: 10_000,
      describe: () => 'the command did not start',
    });
    guard.kill('SIGINT');
    expect(await exitOf(guard)).toEqual({ code: null, signal: 'SIGKILL' });
    await gone(marker, 3000);
  });

  it('runs its command with the standard streams it was given', async () => {
    const guard = spawn(process.execPath, [GUARD, 'sh', '-c', 'read line; echo "got $line"; echo oops >&2'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    started.push(guard);
    let out = '';
    let err = '';
    guard.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    guard.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    guard.stdin?.end('hello\n');
    expect(await exitOf(guard)).toEqual({ code: 0, signal: null });
    expect(out).toBe('got hello\n');
    expect(err).toBe('oops\n');
  });
});
