import { readdirSync, readFileSync } from 'node:fs';

interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
  /** The process's environment, NUL-separated (empty when unreadable). */
  environ: string;
}

/** The process `pid` while it runs: undefined once it is gone or a zombie (exited, not yet waited for). */
export function readProc(pid: number): Proc | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state[0] === 'Z') return undefined; // a zombie has exited; only its parent's wait is missing
    let environ = '';
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      // another user's process
    }
    return { pid, ppid: Number(state[1]), cmdline, environ };
  } catch {
    return undefined;
  }
}

export function listProcesses(): Proc[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is Proc => p !== undefined);
}

/** Live processes whose command line or environment mentions `marker`, plus all their descendants. */
export function processesMentioning(marker: string): Proc[] {
  const all = listProcesses();
  const found = new Map(
    all.filter((p) => p.cmdline.includes(marker) || p.environ.includes(marker)).map((p) => [p.pid, p]),
  );
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...found.values()];
}
