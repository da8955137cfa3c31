import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../reconcilers/component.ts';
import { Controller } from './controller.ts';
import { silentLogger } from './logger.ts';
import { ControllerMetrics } from './metrics.ts';
import { WorkQueue } from './queue/work-queue.ts';
import { TokenBucket } from './throttle/token-bucket.ts';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** One series' value in the scraped text (`name` may be a histogram's _count, _sum or _bucket). */
async function value(metrics: ControllerMetrics, name: string, labels: Record<string, string>): Promise<number> {
  for (const line of (await metrics.registry.metrics()).split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (match[2] ?? '').split(',').includes(`${k}="${v}"`))) {
      return Number(match[3]);
    }
  }
  return Number.NaN;
}

/** A handler whose keys stay in progress until released. */
function gated() {
  const releases: (() => void)[] = [];
  const handler = () => new Promise<void>((r) => releases.push(r));
  return {
    handler,
    release: () => {
      for (const r of releases.splice(0)) r();
    },
  };
}

describe('ControllerMetrics', () => {
  it("does register only controller-runtime's and client-go's names, none of the product's", async () => {
    const names = (await new ControllerMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !/^(controller_runtime|workqueue|rest_client|leader_election)_/.test(n))).toEqual([]);
  });

  it('does report the running work of a queue: unfinished seconds summed, the longest, and the finished durations', async () => {
    const metrics = new ControllerMetrics();
    const queue = new WorkQueue({ workers: 4, metrics: metrics.forQueue('q') });
    const gate = gated();
    queue.start(gate.handler);
    queue.add('a');
    await tick(60);
    queue.add('b');
    await tick(60);

    const unfinished = await value(metrics, 'workqueue_unfinished_work_seconds', { name: 'q' });
    const longest = await value(metrics, 'workqueue_longest_running_processor_seconds', { name: 'q' });
    // a has run for at least 120 ms and b for at least 60 ms.
    expect(longest).toBeGreaterThanOrEqual(0.11);
    expect(unfinished).toBeGreaterThanOrEqual(0.17);
    expect(unfinished).toBeGreaterThan(longest);

    gate.release();
    await tick(10);
    expect(await value(metrics, 'workqueue_unfinished_work_seconds', { name: 'q' })).toBe(0);
    expect(await value(metrics, 'workqueue_longest_running_processor_seconds', { name: 'q' })).toBe(0);
    expect(await value(metrics, 'workqueue_work_duration_seconds_count', { name: 'q' })).toBe(2);
    expect(await value(metrics, 'workqueue_work_duration_seconds_sum', { name: 'q' })).toBeGreaterThanOrEqual(0.17);
  });

  it('does count active workers against the maximum, and terminal errors apart', async () => {
    const metrics = new ControllerMetrics();
    const queue = new WorkQueue({ workers: 3, metrics: metrics.forQueue('c') });
    const gate = gated();
    const controller = new Controller(
      'c',
      queue,
      {
        reconcile: async (key) => {
          if (key === 'terminal') throw new TerminalError('Invalid', 'cannot be done');
          if (key === 'error') throw new Error('try again');
          await gate.handler();
          return {};
        },
      },
      metrics,
      silentLogger,
    );
    controller.start();
    const labels = { controller: 'c' };
    expect(await value(metrics, 'controller_runtime_reconcile_errors_total', labels)).toBe(0);
    expect(await value(metrics, 'controller_runtime_terminal_reconcile_errors_total', labels)).toBe(0);
    expect(await value(metrics, 'controller_runtime_reconcile_total', { ...labels, result: 'error' })).toBe(0);
    expect(await value(metrics, 'controller_runtime_max_concurrent_reconciles', labels)).toBe(3);
    expect(await value(metrics, 'controller_runtime_active_workers', labels)).toBe(0);
    for (const key of ['a', 'b', 'c', 'd']) controller.enqueue(key);
    await tick(10);
    expect(await value(metrics, 'controller_runtime_active_workers', labels)).toBe(3);
    expect(await value(metrics, 'workqueue_depth', { name: 'c' })).toBe(1);

    gate.release();
    await tick(10);
    gate.release();
    await tick(10);
    expect(await value(metrics, 'controller_runtime_active_workers', labels)).toBe(0);
    expect(await value(metrics, 'controller_runtime_reconcile_total', { ...labels, result: 'success' })).toBe(4);

    controller.enqueue('terminal');
    controller.enqueue('error');
    await tick(10);
    expect(await value(metrics, 'controller_runtime_reconcile_errors_total', labels)).toBeGreaterThanOrEqual(2);
    expect(await value(metrics, 'controller_runtime_terminal_reconcile_errors_total', labels)).toBe(1);
    await controller.stop(100);
  });

  it('does record every throttled request, the ones that did not wait as zero', async () => {
    const metrics = new ControllerMetrics();
    const throttle = metrics.throttle(new TokenBucket({ qps: 20, burst: 2 }));
    await Promise.all([1, 2, 3, 4].map(() => throttle('GET', 'api.test')));
    const labels = { verb: 'GET', host: 'api.test' };
    expect(await value(metrics, 'rest_client_rate_limiter_duration_seconds_count', labels)).toBe(4);
    // Two went at once; the third waited a token (50 ms), the fourth two.
    expect(await value(metrics, 'rest_client_rate_limiter_duration_seconds_sum', labels)).toBeGreaterThanOrEqual(0.14);
    const fastest = await value(metrics, 'rest_client_rate_limiter_duration_seconds_bucket', {
      ...labels,
      le: '0.005',
    });
    expect(fastest).toBe(2);
  });

  it('does add Node process metrics only when asked', async () => {
    const plain = new ControllerMetrics();
    expect(await plain.registry.metrics()).not.toContain('process_cpu_user_seconds_total');
    const withProcess = new ControllerMetrics();
    withProcess.collectProcessMetrics();
    const text = await withProcess.registry.metrics();
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} `, 'm'));
    }
  });
});
