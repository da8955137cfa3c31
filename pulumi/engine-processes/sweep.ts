import { OWNER_ENV, ownedProcesses, ownerAlive, ownerToken } from './owner.ts';

export interface SweepResult {
  /** Engine processes killed because the controller that started them is gone. */
  killed: number[];
}

/**
 * Kills the engine processes (Pulumi CLI, guard, provider plugins) a previous controller on this machine left
 * behind: those whose FEDERATION_ENGINE_OWNER names a process that no longer runs. The guard and the plugins
 * normally end on their own within seconds of their controller; this catches what could not (a guard killed
 * with its controller's process group, a machine under such load that they never got to run). Processes of
 * live controllers, this one included, are left alone. Linux only (it reads /proc); elsewhere a no-op.
 */
export function sweepStaleEngines(self = ownerToken()): SweepResult {
  const killed: number[] = [];
  const liveness = new Map<string, boolean>();
  for (const p of ownedProcesses()) {
    if (p.owner === self || p.pid === process.pid) continue;
    let alive = liveness.get(p.owner);
    if (alive === undefined) {
      alive = ownerAlive(p.owner);
      liveness.set(p.owner, alive);
    }
    if (alive) continue;
    try {
      if (p.pgid === p.pid) process.kill(-p.pid, 'SIGKILL');
      else process.kill(p.pid, 'SIGKILL');
      killed.push(p.pid);
    } catch {
      // gone meanwhile
    }
  }
  return { killed };
}

export { OWNER_ENV, ownerToken };
