import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from './managed-process.ts';
import { isRunning, readStat } from './process-identity.mjs';
import { listProcesses } from './processes.ts';
import { waitFor } from './wait.ts';
import { Watchdog } from './watchdog.ts';

/** This process's watchdogs (each a child running watchdog.mjs). */
function watchdogs() {
  return listProcesses().filter((p) => p.ppid === process.pid && p.cmdline.includes('watchdog.mjs'));
}

/** A process started with the pid `pid` (the kernel's next pid set just below it), or undefined after 50 tries. */
async function spawnWithPid(pid: number): Promise<ChildProcess | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (readStat(pid) !== undefined) return undefined; // taken, by a process or a thread, and not given back soon
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    if (child.pid === pid) return child;
    child.kill('SIGKILL'); // another process took the pid first: try again
    await new Promise((r) => child.once('exit', r));
  }
  return undefined;
}

describe('Watchdog', () => {
  const started: ChildProcess[] = [];
  let dir: string;
  afterEach(() => {
    for (const child of started.splice(0)) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops the servers it tracks when its owner goes, but not a stranger that reuses a dead server pid', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fed-watchdog-'));
    const watchdog = new Watchdog();
    const live = new ManagedProcess('live', 'sleep', ['600'], join(dir, 'live.log'), watchdog);
    // A freed pid can go at once to a thread of any other process (the suite runs beside a kube-apiserver and
    // test workers), and then stays taken: kill another tracked server and try its pid until one is free.
    let dead: ManagedProcess | undefined;
    let stranger: ChildProcess | undefined;
    for (let round = 0; round < 10 && !stranger; round++) {
      dead = new ManagedProcess(`dead-${round}`, 'sleep', ['600'], join(dir, `dead-${round}.log`), watchdog);
      process.kill(dead.pid, 'SIGKILL'); // gone without an orderly stop: still tracked
      await dead.exitPromise;
      await new Promise((r) => setTimeout(r, 50));
      stranger = await spawnWithPid(dead.pid);
    }
    if (!dead) throw new Error('unreachable');
    expect(stranger?.pid, `no process got pid ${dead.pid} again`).toBe(dead.pid);
    started.push(stranger as ChildProcess);
    const strangerStart = readStat(dead.pid)?.start as number;
    // Start times count clock ticks (10 ms): a pid the kernel hands out again after wrapping round is never
    // reused within its first owner's tick, as it can be here, where the reuse is forced.
    expect(strangerStart).toBeGreaterThan(dead.identity.start);

    watchdog.dismiss(); // as when the owner exits: the watchdog stops what it tracks, then exits
    await live.exitPromise;
    await waitFor(async () => watchdogs().length === 0, {
      timeoutMs: 30_000,
      describe: () => `the watchdog did not exit: ${JSON.stringify(watchdogs())}`,
    });
    expect(isRunning({ pid: dead.pid, start: strangerStart })).toBe(true);
    expect(stranger?.exitCode).toBeNull();
  });
});
