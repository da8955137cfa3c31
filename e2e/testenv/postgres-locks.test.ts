import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleLockFiles } from './postgres.ts';
import { waitFor } from './wait.ts';

/** A lock file in Postgres' layout: the holder's PID on the first line. */
function lock(dir: string, name: string, pid: number): void {
  writeFileSync(join(dir, name), `${pid}\n${dir}\n1764000000\n44015\n`);
}

const state = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0];
};

describe('removeStaleLockFiles (a SIGKILLed run left its postmaster lock files)', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fed-pglocks-'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `script` under bash, whose first output line is a PID it names. */
  async function pidFrom(script: string): Promise<number> {
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const line = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
    return Number(line.trim());
  }

  it('removes the socket lock, its socket and postmaster.pid of a postmaster that is now a zombie', async () => {
    // `sleep 0` exits while its parent (bash exec'd into `sleep 30`) never waits for it: a zombie, as an orphaned
    // postmaster is until PID 1 reaps it. Postgres' own check (kill(pid, 0)) counts it as running.
    const zombie = await pidFrom('sleep 0 & echo $!; exec sleep 30');
    await waitFor(async () => state(zombie) === 'Z', { timeoutMs: 5_000, describe: () => 'no zombie' });
    lock(dir, 'postmaster.pid', zombie);
    lock(dir, '.s.PGSQL.44015.lock', zombie);
    writeFileSync(join(dir, '.s.PGSQL.44015'), '');
    removeStaleLockFiles(dir);
    expect(existsSync(join(dir, 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(dir, '.s.PGSQL.44015.lock'))).toBe(false);
    expect(existsSync(join(dir, '.s.PGSQL.44015'))).toBe(false);
  });

  it('removes lock files whose PID is gone or is another program', async () => {
    const other = await pidFrom('echo $$; exec sleep 30');
    lock(dir, 'postmaster.pid', 2 ** 22 + 1); // above Linux's highest PID: never a process
    lock(dir, '.s.PGSQL.5432.lock', other);
    removeStaleLockFiles(dir);
    expect(existsSync(join(dir, 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(dir, '.s.PGSQL.5432.lock'))).toBe(false);
  });

  it("keeps a running postgres' lock files (Postgres refuses to share its data directory)", async () => {
    const running = await pidFrom('echo $$; exec -a postgres sleep 30');
    // bash prints its PID before it execs: until then the PID is bash's, not a postgres.
    await waitFor(async () => readFileSync(`/proc/${running}/cmdline`, 'utf8').startsWith('postgres\0'), {
      timeoutMs: 5_000,
      describe: () => `pid ${running} never became postgres`,
    });
    lock(dir, 'postmaster.pid', running);
    lock(dir, '.s.PGSQL.44015.lock', running);
    writeFileSync(join(dir, '.s.PGSQL.44015'), '');
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    removeStaleLockFiles(dir);
    for (const f of ['postmaster.pid', '.s.PGSQL.44015.lock', '.s.PGSQL.44015', 'PG_VERSION'])
      expect(existsSync(join(dir, f)), f).toBe(true);
  });
});
