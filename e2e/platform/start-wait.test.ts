import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../testenv/managed-process.ts';
import type { Platform } from '../testenv/platform.ts';
import type { Watchdog } from '../testenv/watchdog.ts';
import { startController } from './controller.ts';

describe("npm start's wait for the controller", () => {
  const runDir = mkdtempSync(join(tmpdir(), 'fed-start-wait-'));
  afterEach(() => rmSync(runDir, { recursive: true, force: true }));

  // A controller that dies at start (a bad setting, a port taken) is reported when it exits, with its last log
  // lines, rather than when the 60 s readiness wait runs out.
  it('gives up as soon as the process exits, with its last log lines', async () => {
    const watchdog = {
      admit: () => {},
      marker: 'start-wait-test',
      track: () => {},
      untrack: () => {},
    } as unknown as Watchdog;
    const platform = {
      runDir,
      databaseUrl: 'postgres://unused',
      startProcess: (name: string) =>
        new ManagedProcess(
          name,
          process.execPath,
          ['-e', "console.error('invalid controller configuration: WORKERS must be positive'); process.exit(1)"],
          join(runDir, `${name}.log`),
          watchdog,
        ),
    } as unknown as Platform;
    // The message names what ended the wait: the process's exit, not the readiness timeout.
    await expect(startController(platform, {}, undefined, Promise.resolve('/dev/null'))).rejects.toThrow(
      /the controller exited before it was ready:\n[\s\S]*WORKERS must be positive/,
    );
  }, 90_000);
});
