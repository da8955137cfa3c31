import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RuntimeTestbed, startRuntimeTestbed } from '../../e2e/support/runtime.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import { ownedProcesses, ownerToken } from '../../pulumi/engine-processes/owner.ts';
import { ComponentError } from '../component.ts';
import { createRuntimeComponent, type RuntimeComponent } from './component.ts';
import { Reason } from './conditions.ts';

let bed: RuntimeTestbed;
let runtime: RuntimeComponent;

beforeAll(async () => {
  bed = await startRuntimeTestbed(inject('kubeconfig'), inject('databaseUrl'));
  runtime = createRuntimeComponent(bed.config);
});
afterAll(() => bed?.stop());

async function converge(name: string): Promise<void> {
  await bed.settle(runtime, name);
}

/** Every row of a stack in the state table, checkpoint, backups and history included. */
async function stateRows(name: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: bed.backendUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string }>(
      `SELECT key FROM pulumi_state WHERE key LIKE $1 OR key LIKE $2 ORDER BY key`,
      [`%/federation-runtime/${name}.json%`, `%/federation-runtime/${name}/%`],
    );
    return rows.map((r) => r.key);
  } finally {
    await client.end();
  }
}

/** The error the department's next settled apply ends in (an engine run's failure is thrown when taken). */
async function failure(name: string): Promise<ComponentError> {
  const error = await bed.settle(runtime, name).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ComponentError);
  return error as ComponentError;
}

describe('runtime component under faults', () => {
  it('names Railway 5xx RailwayUnavailable and 429 RailwayRateLimited, each in one line', async () => {
    await bed.department('rt-railway-down');
    bed.railway.faults.errorRate = 1;
    try {
      const down = await failure('rt-railway-down');
      expect(down.reason).toBe(Reason.RailwayUnavailable);
      expect(down.message).toMatch(/^Railway is unavailable \(HTTP 503 on [\w, -]+\); retrying$/);
      // The retry that the failure's requeue starts keeps naming the cause instead of showing Provisioning.
      const retrying = await runtime.apply(await bed.context('rt-railway-down'));
      expect(retrying.condition).toMatchObject({ status: 'False', reason: Reason.RailwayUnavailable });
      expect(retrying.condition.message).toBe(down.message);
      expect((await failure('rt-railway-down')).reason).toBe(Reason.RailwayUnavailable);
    } finally {
      bed.railway.faults.errorRate = 0;
    }
    bed.railway.faults.rateLimitRate = 1;
    try {
      const limited = await failure('rt-railway-down');
      expect(limited.reason).toBe(Reason.RailwayRateLimited);
      expect(limited.message).toMatch(/^Railway is rate-limiting us \(HTTP 429 on [\w, -]+\); retrying$/);
    } finally {
      bed.railway.faults.rateLimitRate = 0;
    }
    await converge('rt-railway-down');
  });

  it('names a Railway outage met by the readiness check RailwayUnavailable too', async () => {
    await bed.department('rt-ready-down');
    await converge('rt-ready-down');
    // Only the deployment query the component itself makes: the stack operations before it succeed.
    bed.railway.faults.failNext(8, { status: 502, operationName: 'Deployment' });
    try {
      const down = await failure('rt-ready-down');
      expect(down.reason).toBe(Reason.RailwayUnavailable);
      expect(down.message).toBe('Railway is unavailable (HTTP 502 on deployment); retrying');
    } finally {
      bed.railway.faults.reset();
    }
  });

  it('stops an engine run that hangs at its deadline, names it EngineTimedOut, and converges after', async () => {
    // The guard's grace after the Automation API's SIGINT, shortened for the test (the engine runs as our child).
    process.env.FEDERATION_ENGINE_STOP_GRACE_MS = '2000';
    // Long enough that the engine has surely started its `up` under a loaded machine: the hang is met in flight.
    const hurried = createRuntimeComponent({ ...bed.config, operationTimeoutMs: 15_000 });
    await bed.department('rt-engine-hang');
    bed.railway.faults.hang = true;
    const heldFrom = bed.railway.requestLog.length;
    try {
      const error = await bed.settle(hurried, 'rt-engine-hang').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ComponentError);
      expect(error).toMatchObject({
        reason: Reason.EngineTimedOut,
        message: 'Pulumi: the engine run did not finish within 15 s and was stopped; retrying',
      });
      // Cancelled (SIGINT) and, if it did not end within the grace period, killed with its group.
      expect(bed.railway.requestLog.length).toBeGreaterThan(heldFrom); // the engine met the hang in flight
      const mine = ownerToken();
      await waitFor(async () => ownedProcesses().every((p) => p.owner !== mine), {
        timeoutMs: 5_000,
        describe: () => `engine processes left: ${JSON.stringify(ownedProcesses().filter((p) => p.owner === mine))}`,
      });
    } finally {
      bed.railway.faults.hang = false;
      delete process.env.FEDERATION_ENGINE_STOP_GRACE_MS;
    }
    // The next run (with the default deadline: a loaded machine may take more than 5 s for a real one) converges,
    // clearing the lock a killed run left, and the project held back by the hang is made once.
    const result = await bed.settle(runtime, 'rt-engine-hang');
    expect(result.condition).toMatchObject({ status: 'True' });
    const projects = [...bed.railway.state.projects.values()].filter((p) => p.name === 'aio-rt-engine-hang-prod');
    expect(projects).toHaveLength(1);
  });

  it('removes every row of a deleted stack from the state table: checkpoint, backups and history', async () => {
    await bed.department('rt-state-rows');
    await converge('rt-state-rows');
    expect((await stateRows('rt-state-rows')).length).toBeGreaterThan(1);
    const result = await runtime.delete(await bed.context('rt-state-rows'));
    expect(result.condition.reason).toBe(Reason.Deleted);
    expect(await stateRows('rt-state-rows')).toEqual([]);
  });
});
