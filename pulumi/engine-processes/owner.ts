import { readdirSync, readFileSync } from 'node:fs';

/** Every engine process carries its controller's token in this variable (inherited from the CLI by the plugins). */
export const OWNER_ENV = 'FEDERATION_ENGINE_OWNER';

interface ProcStat {
  ppid: number;
  pgid: number;
  /** Clock ticks after boot: with the pid, it names one process for good (pids are reused). */
  startTime: string;
  zombie: boolean;
}

/** /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so fields are read after the last ')'. */
export function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      startTime: fields[19] ?? '',
      zombie: fields[0] === 'Z',
    };
  } catch {
    return undefined;
  }
}

/** `<pid>@<start time>` of a process (`<pid>` where /proc is missing). */
export function ownerToken(pid = process.pid): string {
  const stat = procStat(pid);
  return stat ? `${pid}@${stat.startTime}` : String(pid);
}

/** Whether the process a token names still runs (a pid now used by another process does not count). */
export function ownerAlive(token: string): boolean {
  const [pid, startTime] = token.split('@');
  const stat = procStat(Number(pid));
  if (stat) return !stat.zombie && (startTime === undefined || stat.startTime === startTime);
  if (startTime !== undefined) return false; // /proc is there, the process is not
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Processes (of this user: others' environments are unreadable) whose environment names an owner, with it. */
export function ownedProcesses(): { pid: number; owner: string; pgid: number }[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return []; // no /proc (not Linux): nothing to find this way
  }
  const found: { pid: number; owner: string; pgid: number }[] = [];
  const key = `${OWNER_ENV}=`;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
    } catch {
      continue;
    }
    const at = environ.startsWith(key) ? 0 : environ.indexOf(`\0${key}`) + 1;
    if (at === 0 && !environ.startsWith(key)) continue;
    const end = environ.indexOf('\0', at);
    const owner = environ.slice(at + key.length, end < 0 ? undefined : end);
    const stat = procStat(Number(entry));
    if (stat && !stat.zombie) found.push({ pid: Number(entry), owner, pgid: stat.pgid });
  }
  return found;
}
