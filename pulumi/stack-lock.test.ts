import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isStale, parseStackLocks } from './stack-lock.ts';

const message = (host: string, pid: number, at: string) =>
  'error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n' +
  `  postgres://****:****@127.0.0.1:5432/db/.pulumi/locks/organization/p/s/abc.json: created by root@${host} (pid ${pid}) at ${at}`;

describe('parseStackLocks', () => {
  it('reads the locks of a locked-stack error', () => {
    expect(parseStackLocks(message('box', 42, '2025-01-01T00:00:00Z'))).toEqual([
      { user: 'root', host: 'box', pid: 42, at: new Date('2025-01-01T00:00:00Z') },
    ]);
  });

  it('lists each lock once although the Automation API error names it twice (stderr and the command error)', () => {
    const stderr = message('box', 42, '2025-01-01T00:00:00Z');
    const commandError = `code: 255\n stdout: \n stderr: ${stderr}\n err?: Error: Command failed with exit code 255: pulumi up\n${stderr}`;
    expect(parseStackLocks(commandError)).toEqual([
      { user: 'root', host: 'box', pid: 42, at: new Date('2025-01-01T00:00:00Z') },
    ]);
  });

  it('ignores other errors', () => {
    expect(parseStackLocks('error: something else')).toBeUndefined();
  });
});

describe('isStale', () => {
  it('calls a lock of a dead local process stale and of a live one not', () => {
    expect(isStale({ user: 'u', host: hostname(), pid: 2 ** 22 + 7, at: new Date() }, 60_000)).toBe(true);
    expect(isStale({ user: 'u', host: hostname(), pid: process.pid, at: new Date() }, 60_000)).toBe(false);
  });

  it('calls a remote lock stale only after the timeout', () => {
    const at = new Date(Date.now() - 120_000);
    expect(isStale({ user: 'u', host: 'elsewhere', pid: 1, at }, 60_000)).toBe(true);
    expect(isStale({ user: 'u', host: 'elsewhere', pid: 1, at }, 600_000)).toBe(false);
  });
});
