import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from './managed-process.ts';
import { isRunning, listStats, type ProcessId, signalProcess } from './process-identity.mjs';
import { waitFor } from './wait.ts';
import { Watchdog } from './watchdog.ts';

describe('ManagedProcess.stop', () => {
  const watchdog = new Watchdog();
  let dir: string;
  let family: ProcessId[] = [];
  afterEach(() => {
    for (const id of family) signalProcess(id, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops the children too: one that ignores SIGTERM is killed at the deadline, after its parent exited', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fed-managed-'));
    // The server exits on SIGTERM; its child (a subshell and its sleep) ignores SIGTERM.
    const server = new ManagedProcess(
      'family',
      'sh',
      ['-c', '(trap "" TERM; sleep 600) & sleep 600'],
      join(dir, 'family.log'),
      watchdog,
    );
    const members = () =>
      listStats()
        .filter((s) => s.pgrp === server.pid && !s.zombie)
        .map((s) => ({ pid: s.pid, start: s.start }));
    await waitFor(async () => members().length >= 3, {
      timeoutMs: 10_000,
      describe: () => `not 3 processes in the group: ${JSON.stringify(members())}`,
    });
    family = members();
    await server.stop(1_000);
    expect(server.running).toBe(false);
    expect(family.filter(isRunning)).toEqual([]);
  });
});
