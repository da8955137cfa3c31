import { waitFor } from '../testenv/wait.ts';
import { type EngineProcess, leftoverEngineProcesses } from './engine-processes.ts';
import type { FaultPlatform } from './platform.ts';

/** Leftover engine processes right now (none a live controller owns). */
export function leftovers(fp: FaultPlatform): EngineProcess[] {
  return leftoverEngineProcesses(
    fp.platform.runDir,
    fp.controllers.map((c) => c.pid),
  );
}

/**
 * Waits until no engine process outlives its controller; returns how many were left after `graceMs` (0 when the
 * platform cleans up). The grace covers the guard's parent poll and its SIGTERM-then-SIGKILL.
 */
export async function leftoverAfter(fp: FaultPlatform, graceMs = 8_000): Promise<EngineProcess[]> {
  let last: EngineProcess[] = [];
  await waitFor(
    async () => {
      last = leftovers(fp);
      return last.length === 0;
    },
    { timeoutMs: graceMs, intervalMs: 250, describe: () => '' },
  ).catch(() => undefined);
  return last;
}
