import { resolve } from 'node:path';
import {
  isRunning,
  listStats,
  type ProcessId,
  type ProcessStat,
  serverProcesses,
  stopProcesses,
} from './process-identity.mjs';

/** `roots` and every process below them. */
function withDescendants(roots: Iterable<number>, stats: ProcessStat[]): Set<number> {
  const found = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) {
      if (!found.has(s.pid) && found.has(s.ppid)) {
        found.add(s.pid);
        grew = true;
      }
    }
  }
  return found;
}

/** `pid` and the processes above it, up to init. */
function withAncestors(pid: number, stats: ProcessStat[]): Set<number> {
  const parent = new Map(stats.map((s) => [s.pid, s.ppid]));
  const found = new Set<number>();
  for (let p: number | undefined = pid; p !== undefined && p > 0 && !found.has(p); p = parent.get(p)) found.add(p);
  return found;
}

/**
 * The servers a run on the kept state `dataDir` left behind (a SIGKILLed run's watchdog may still be stopping
 * them), with what they started: processes whose FEDERATION_SERVER_OF names this data directory and an owner
 * that no longer runs, and their descendants. Never this process, its ancestors or its descendants, whatever
 * their environment holds (a shell that sourced local.env names the data directory too).
 */
export function leftoverServers(dataDir: string): ProcessId[] {
  const dir = resolve(dataDir);
  const stats = listStats().filter((s) => !s.zombie);
  const own = new Set([...withAncestors(process.pid, stats), ...withDescendants([process.pid], stats)]);
  const servers = serverProcesses().filter((p) => p.dataDir === dir && !isRunning(p.owner));
  const found = withDescendants(
    servers.map((p) => p.id.pid),
    stats,
  );
  return stats.filter((s) => found.has(s.pid) && !own.has(s.pid)).map((s) => ({ pid: s.pid, start: s.start }));
}

/** Stops what leftoverServers finds: SIGTERM, up to 10 s, then SIGKILL. */
export async function stopLeftovers(dataDir: string): Promise<void> {
  const left = await stopProcesses(() => leftoverServers(dataDir), 10_000);
  if (left.length > 0) {
    throw new Error(
      `a previous run's servers on ${dataDir} survived SIGKILL: pids ${left.map((p) => p.pid).join(', ')}`,
    );
  }
}
