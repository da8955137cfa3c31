// Benchmark: time from Department create to RuntimeReady=True for 1 and for 20 departments at once, against the
// real API server, Postgres state backend, pulumi engine and the local Railway server with zero latency.
// Prints the Pulumi engine's share of that time and the controller process's RSS (and the engine processes').
import { readdirSync, readFileSync } from 'node:fs';
import { createRuntimeComponent } from '../../reconcilers/runtime/component.ts';
import { startRuntimeTestbed } from '../support/runtime.ts';
import { startPlatform } from '../testenv/platform.ts';

const platform = await startPlatform({ log: () => {} });
try {
  const bed = await startRuntimeTestbed(platform.kubeconfig, platform.databaseUrl);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
  const runtime = createRuntimeComponent({ ...bed.config, concurrency });
  const rss = sampleRss();

  const createToReady = async (name: string): Promise<number> => {
    const started = performance.now();
    await bed.department(name);
    const result = await bed.settle(runtime, name);
    if (result.condition.status !== 'True') throw new Error(`${name}: ${result.condition.message}`);
    return performance.now() - started;
  };

  const round = async (label: string, count: number) => {
    const engineBefore = runtime.stacks.engineMs;
    rss.reset();
    const started = performance.now();
    const times = await Promise.all(Array.from({ length: count }, (_, i) => createToReady(`bench-${label}-${i}`)));
    const wall = performance.now() - started;
    const engine = runtime.stacks.engineMs - engineBefore;
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(count / 2)] ?? 0;
    const max = sorted.at(-1) ?? 0;
    const sum = times.reduce((a, b) => a + b, 0);
    console.log(
      `${count} department(s): wall ${(wall / 1000).toFixed(1)} s; create->RuntimeReady p50 ${(p50 / 1000).toFixed(1)} s, max ${(max / 1000).toFixed(1)} s; ` +
        `Pulumi engine share ${((engine / sum) * 100).toFixed(0)} % (${(engine / 1000).toFixed(1)} s of stack operations, ` +
        `${(engine / wall).toFixed(1)} stack slots busy on average; the rest is waiting for a slot and Railway/Kubernetes calls); ` +
        `controller RSS peak ${mb(rss.peakSelf)} MB, engine processes RSS peak ${mb(rss.peakChildren)} MB`,
    );
  };

  console.log(`Railway latency 0 ms, stack concurrency ${process.env.BENCH_CONCURRENCY ?? 4}, ${cpuCount()} CPU(s)`);
  await round('one', 1);
  await round('twenty', 20);
  rss.stop();
  await bed.stop();
} finally {
  await platform.stop();
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

function cpuCount(): number {
  return readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('processor')).length;
}

/** Peak RSS of this process and of its descendants (pulumi CLI, provider plugins), sampled every 200 ms. */
function sampleRss() {
  const state = { peakSelf: 0, peakChildren: 0 };
  const tick = () => {
    state.peakSelf = Math.max(state.peakSelf, process.memoryUsage().rss);
    state.peakChildren = Math.max(state.peakChildren, descendantsRss(process.pid));
  };
  const timer = setInterval(tick, 200);
  return {
    get peakSelf() {
      return state.peakSelf;
    },
    get peakChildren() {
      return state.peakChildren;
    },
    reset() {
      state.peakSelf = 0;
      state.peakChildren = 0;
    },
    stop: () => clearInterval(timer),
  };
}

function descendantsRss(root: number): number {
  const parents = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      parents.set(Number(entry), Number(/PPid:\s+(\d+)/.exec(status)?.[1]));
      rss.set(Number(entry), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // The process ended while we looked; it has no RSS to count.
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  };
  let total = 0;
  for (const [pid, bytes] of rss) if (isDescendant(pid)) total += bytes;
  return total;
}
