import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RuntimeTestbed, startRuntimeTestbed } from '../../e2e/support/runtime.ts';
import { processesMentioning } from '../../e2e/testenv/processes.ts';
import { OWNER_ENV } from '../../pulumi/engine-processes/owner.ts';
import { createRuntimeComponent } from './component.ts';
import { Reason } from './conditions.ts';

const CHILD = fileURLToPath(new URL('../../e2e/support/runtime-apply-child.ts', import.meta.url));
let bed: RuntimeTestbed;

beforeAll(async () => {
  bed = await startRuntimeTestbed(inject('kubeconfig'), inject('databaseUrl'));
});
afterAll(() => bed?.stop());

describe('runtime component after a crash', () => {
  it('converges with exactly one project when the controller is SIGKILLed mid-up', { timeout: 300_000 }, async () => {
    await bed.department('rt-crash');
    // Slow Railway down so the update is surely still running when the process dies.
    bed.railway.faults.latencyMs = 400;
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, inject('kubeconfig'), 'rt-crash'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, RUNTIME_TEST_CONFIG: JSON.stringify(bed.config) },
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => bed.railway.requestLog.some((e) => e.operationName === 'ServiceCreate'), 240_000);
    // Everything dies together, as in a pod crash: node's process group, and the pulumi CLI and the provider plugin
    // (in process groups of their own, named by the owner token in their environment).
    process.kill(-(child.pid as number), 'SIGKILL');
    for (const p of processesMentioning(`${OWNER_ENV}=${child.pid}@`)) process.kill(p.pid, 'SIGKILL');
    await exited;
    bed.railway.faults.latencyMs = 0;

    const runtime = createRuntimeComponent(bed.config);
    const result = await bed.settle(runtime, 'rt-crash');
    expect(result.condition.message).toMatch(/cleared a stale stack lock/);
    const cleared = bed.recorded.events.filter((e) => e.reason === Reason.StaleLockCleared).map((e) => e.note);
    // One lock, named once (the engine's error repeats it).
    expect(cleared).toEqual([
      expect.stringMatching(
        /^cleared a stale stack lock \(pid \d+ on [^,()]+ since [^,()]+\) left by an interrupted update$/,
      ),
    ]);
    expect(result.condition.status).toBe('True');
    const projects = [...bed.railway.state.projects.values()].filter((p) => p.name === 'aio-rt-crash-prod');
    expect(projects).toHaveLength(1);
    expect(bed.railway.state.servicesOf(projects[0]?.id ?? '')).toHaveLength(1);
  });
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the update to reach Railway');
    await new Promise((r) => setTimeout(r, 50));
  }
}
