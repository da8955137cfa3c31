import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ComponentError } from '../../controller/core/component.ts';
import { type RuntimeTestbed, startRuntimeTestbed } from '../../e2e/support/runtime.ts';
import { Reason } from './conditions.ts';
import { createRuntimeComponent, type RuntimeComponent } from './runtime-component.ts';

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

  it('removes every row of a deleted stack from the state table: checkpoint, backups and history', async () => {
    await bed.department('rt-state-rows');
    await converge('rt-state-rows');
    expect((await stateRows('rt-state-rows')).length).toBeGreaterThan(1);
    const result = await runtime.delete(await bed.context('rt-state-rows'));
    expect(result.condition.reason).toBe(Reason.Deleted);
    expect(await stateRows('rt-state-rows')).toEqual([]);
  });
});
