import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FederationMetrics } from '../../controller/platform/metrics/federation-metrics.ts';
import { type EngineRunObserver, Operations } from './operations.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Operations', () => {
  it('does tell its observer how each engine run ended and how long it took', async () => {
    const ended: Parameters<EngineRunObserver>[] = [];
    const operations = new Operations<string>((...args) => ended.push(args));
    operations.start('hr', 'create', 'd1', async () => {
      await sleep(30);
      return 'outputs';
    });
    operations.start('sales', 'repair', 'd2', async () => {
      throw new Error('engine failed');
    });
    expect(await operations.drain(5_000)).toBe(true);

    expect(ended.map(([kind, result]) => [kind, result]).sort()).toEqual([
      ['create', 'success'],
      ['repair', 'error'],
    ]);
    const create = ended.find(([kind]) => kind === 'create');
    expect(create?.[2]).toBeGreaterThanOrEqual(0.025);
    expect(operations.take('sales')?.error).toBeInstanceOf(Error);
  });

  it('does feed federation_engine_runs_total and the duration histogram when wired to the metrics', async () => {
    const metrics = new FederationMetrics(new Registry());
    const operations = new Operations<void>(metrics.observeEngineRun);
    operations.start('hr', 'update', 'd1', async () => {});
    operations.start('sales', 'update', 'd2', async () => {
      throw new Error('stack locked');
    });
    await operations.drain(5_000);
    const runs = await metrics.engineRuns.get();
    expect(runs.values.map((v) => [v.labels, v.value])).toEqual(
      expect.arrayContaining([
        [{ kind: 'update', result: 'success' }, 1],
        [{ kind: 'update', result: 'error' }, 1],
      ]),
    );
    const count = (await metrics.engineRunDuration.get()).values.find(
      (v) => v.metricName === 'federation_engine_run_duration_seconds_count',
    );
    expect(count).toMatchObject({ labels: { kind: 'update' }, value: 2 });
  });
});
