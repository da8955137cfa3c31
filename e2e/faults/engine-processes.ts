import { listProcesses } from '../testenv/processes.ts';

export interface EngineProcess {
  pid: number;
  ppid: number;
  cmdline: string;
}

/** The Pulumi CLI, its guard and the engine's provider plugins. */
const ENGINE = /\/bin\/pulumi(\s|$)|pulumi-resource-|\/provider\/main\.[jt]s|engine-processes\/guard\.mjs/;

/**
 * Engine processes of this run (their command line or inherited environment names `marker`, the platform's run
 * directory) that no live controller owns: neither a controller in `owners` nor any of its descendants is their
 * ancestor. After a controller is SIGKILLed, what it started must not be among them for long.
 */
export function leftoverEngineProcesses(marker: string, owners: number[]): EngineProcess[] {
  const all = listProcesses();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const owned = (pid: number): boolean => {
    for (let p = byPid.get(pid); p && p.pid > 1; p = byPid.get(p.ppid)) if (owners.includes(p.pid)) return true;
    return false;
  };
  return all
    .filter((p) => ENGINE.test(p.cmdline) && (p.cmdline.includes(marker) || p.environ.includes(marker)))
    .filter((p) => !owned(p.pid))
    .map(({ pid, ppid, cmdline }) => ({ pid, ppid, cmdline: cmdline.slice(0, 160) }));
}

/** The engine processes of this run a live controller owns (work in progress). */
export function runningEngineProcesses(marker: string): EngineProcess[] {
  return listProcesses()
    .filter((p) => ENGINE.test(p.cmdline) && (p.cmdline.includes(marker) || p.environ.includes(marker)))
    .map(({ pid, ppid, cmdline }) => ({ pid, ppid, cmdline: cmdline.slice(0, 160) }));
}
