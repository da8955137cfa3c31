import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../e2e/testenv/wait.ts';
import { OWNER_ENV, ownerAlive, ownerToken, procStat } from './owner.ts';
import { sweepStaleEngines } from './sweep.ts';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) p.kill('SIGKILL');
});

function idle(owner: string, detached = false): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
    env: { ...process.env, [OWNER_ENV]: owner },
    stdio: 'ignore',
    detached,
  });
  started.push(child);
  return child;
}

function running(pid: number | undefined): boolean {
  const stat = procStat(pid ?? -1);
  return stat !== undefined && !stat.zombie;
}

/** The token of a process that has exited. */
async function deadToken(): Promise<string> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await waitFor(async () => procStat(child.pid as number) !== undefined, { timeoutMs: 5000, describe: () => '' }).catch(
    () => undefined,
  );
  const token = ownerToken(child.pid as number);
  await new Promise((r) => child.on('exit', r));
  return token.includes('@') ? token : `${child.pid}@1`;
}

describe('stale engine sweep', () => {
  it.runIf(process.platform === 'linux')(
    'kills engine processes whose controller is gone and spares those of live controllers',
    async () => {
      const dead = await deadToken();
      expect(ownerAlive(dead)).toBe(false);
      const orphan = idle(dead);
      const orphanGroup = idle(dead, true);
      const ours = idle(ownerToken());
      const livingOther = idle(ownerToken(process.ppid));
      await waitFor(async () => [orphan, orphanGroup, ours, livingOther].every((c) => running(c.pid)), {
        timeoutMs: 5000,
        describe: () => 'children did not start',
      });

      const { killed } = sweepStaleEngines();

      expect(killed.sort()).toEqual([orphan.pid, orphanGroup.pid].sort());
      await waitFor(async () => !running(orphan.pid) && !running(orphanGroup.pid), {
        timeoutMs: 5000,
        describe: () => 'the orphans survived the sweep',
      });
      expect(running(ours.pid)).toBe(true);
      expect(running(livingOther.pid)).toBe(true);
    },
  );

  it('tells a reused pid from its first owner by the start time', () => {
    const [pid, start] = ownerToken().split('@');
    expect(ownerAlive(ownerToken())).toBe(true);
    if (start !== undefined) expect(ownerAlive(`${pid}@${Number(start) + 1}`)).toBe(false);
  });
});
