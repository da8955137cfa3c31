import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface StackLock {
  user: string;
  host: string;
  pid: number;
  at: Date;
}

const LOCKED = /the stack is currently locked by \d+ lock\(s\)/;
const LOCK_LINE = /created by (.+?)@(.+?) \(pid (\d+)\) at (\S+)/g;

/**
 * The locks named in a DIY backend's "stack is currently locked" error, or undefined for other errors. The
 * Automation API's error repeats the CLI's stderr (once as stderr, once inside the command's error), so each
 * lock is listed once however often it is named.
 */
export function parseStackLocks(message: string): StackLock[] | undefined {
  if (!LOCKED.test(message)) return undefined;
  const locks = new Map<string, StackLock>();
  for (const m of message.matchAll(LOCK_LINE)) {
    const lock = { user: m[1] as string, host: m[2] as string, pid: Number(m[3]), at: new Date(m[4] as string) };
    locks.set(`${lock.user}@${lock.host}/${lock.pid}/${m[4]}`, lock);
  }
  return [...locks.values()];
}

/** Whether a local process runs; a zombie (dead, not yet reaped by its new parent) does not. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/**
 * A lock is stale when the process holding it is gone: on this host, its pid no longer runs; elsewhere,
 * it is older than `staleAfterMs` (an update that long means its holder died without unlocking).
 */
export function isStale(lock: StackLock, staleAfterMs: number, now = Date.now()): boolean {
  if (lock.host === hostname()) return !processAlive(lock.pid);
  return now - lock.at.getTime() > staleAfterMs;
}
