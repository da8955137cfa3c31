// `npm run bench:runtime`: what one Pulumi engine run costs, and Department create to RuntimeReady=True for 1 and
// for 20 departments at once, against the real API server, the Postgres state backend, the pulumi engine and the
// local Railway server with zero latency. The bench, the runtime component and its provider plugin run compiled, as
// in the image (the local build of deploy/transpile.mjs on plain Node, no tsx); BENCH_TREE=source runs them from
// the TypeScript sources through tsx instead, for comparison.
//
// Engine runs one at a time (BENCH_RUNS departments, default 5): create, no-op update (an `up` with refresh of
// unchanged inputs), full check (refresh and preview), delete, in a process standing for the controller
// (engine-runs.ts). Each run's CPU seconds, counting that process (the controller's code, the Automation API, the
// inline program's language host) and every engine process it starts (guard, pulumi CLI, provider plugin), and
// the peak RSS of those processes. Goal: <= 3 s of CPU per engine run. The first run also loads the Pulumi SDK into the
// controller (once per process), hence the median. CPU seconds move little with what else the machine runs;
// wall times do.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntimeComponent, type RuntimeComponent } from '../../reconcilers/runtime/component.ts';
import { ensureLocalBuild, LOCAL_BUILD } from '../platform/local-build.ts';
import { type RuntimeTestbed, startRuntimeTestbed } from '../support/runtime.ts';
import { type Platform, startPlatform } from '../testenv/platform.ts';
import type { EngineRunKind } from './engine-runs.ts';
import { EngineUsageMeter, type Usage } from './engine-usage.ts';

const GOAL_CPU_SECONDS = 3;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BURSTS = (process.env.BENCH_BURST ?? '1,20')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const TREE = process.env.BENCH_TREE === 'source' ? 'source' : 'compiled';

/**
 * The bench itself runs from the local build on plain Node, as the controller runs in its image: one process whose
 * own CPU is the controller's, with no TypeScript loader in it and none in the engine processes it starts.
 */
async function relaunchFromLocalBuild(): Promise<number> {
  await ensureLocalBuild();
  const child = spawn(process.execPath, [join(LOCAL_BUILD, 'e2e/bench/runtime.js')], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? 1;
}

async function main(): Promise<void> {
  const platform = await startPlatform({ log: () => {} });
  try {
    const bed = await startRuntimeTestbed(platform.kubeconfig, platform.databaseUrl);
    console.log(
      `${cpuCount()} CPU(s), load average ${loadAverage()}; Railway latency 0 ms; runtime component and plugin: ${TREE}`,
    );
    await engineRuns(bed, platform);
    const runtime = createRuntimeComponent({ ...bed.config, concurrency: CONCURRENCY });
    for (const count of BURSTS) await burst(bed, runtime, count);
    await bed.stop();
  } finally {
    await platform.stop();
  }
}

const fromLocalBuild = fileURLToPath(import.meta.url).startsWith(`${LOCAL_BUILD}/`);
if (TREE === 'compiled' && !fromLocalBuild) process.exitCode = await relaunchFromLocalBuild();
else await main();

/**
 * Engine runs one at a time, each measured on its own, in a child process that stands for the controller
 * (engine-runs.ts; compiled like this process, or through tsx with BENCH_TREE=source).
 */
async function engineRuns(bed: RuntimeTestbed, platform: Platform): Promise<void> {
  const names = Array.from({ length: RUNS }, (_, i) => `bench-run-${i}`);
  for (const name of names) await bed.department(name);
  const here = fileURLToPath(import.meta.url);
  const script = here.replace(/runtime\.(ts|js)$/, 'engine-runs.$1');
  const loader = here.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, script, platform.kubeconfig, ...names], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RUNTIME_TEST_CONFIG: JSON.stringify(bed.config) },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`engine-runs exited with ${code}`);
  const measured: Record<EngineRunKind, Usage[]> = { create: [], noop: [], check: [], delete: [] };
  for (const line of out.split('\n').filter(Boolean)) {
    const { kind, usage } = JSON.parse(line) as { kind: EngineRunKind; usage: Usage };
    measured[kind].push(usage);
  }

  console.log(`\nOne engine run at a time, ${RUNS} of each; CPU seconds (controller + pulumi CLI + plugin + guards):`);
  const rows: [string, Usage[]][] = [
    ['create', measured.create],
    ['no-op update', measured.noop],
    ['full check', measured.check],
    ['delete', measured.delete],
  ];
  for (const [label, usages] of rows) {
    const total = usages.map((u) => u.controllerSeconds + u.engineSeconds);
    const cpu = median(total);
    const goal = `; goal <= ${GOAL_CPU_SECONDS} s: ${cpu <= GOAL_CPU_SECONDS ? 'met' : 'NOT met'}`;
    console.log(
      `  ${label.padEnd(12)} CPU median ${cpu.toFixed(2)} s (min ${Math.min(...total).toFixed(2)}, max ${Math.max(...total).toFixed(2)}; ` +
        `controller ${median(usages.map((u) => u.controllerSeconds)).toFixed(2)} s (the meter's own ${median(usages.map((u) => u.meterSeconds)).toFixed(2)} s left out), engine processes ${median(usages.map((u) => u.engineSeconds)).toFixed(2)} s)${goal}; ` +
        `engine processes ${median(usages.map((u) => u.processes))}, peak RSS ${median(usages.map((u) => u.enginePeakMiB)).toFixed(0)} MiB ` +
        `(at their own peaks ${median(usages.map((u) => u.engineHwmMiB)).toFixed(0)} MiB); controller RSS ${median(usages.map((u) => u.controllerPeakMiB)).toFixed(0)} MiB` +
        (usages.some((u) => u.unreaped)
          ? `; ${Math.max(...usages.map((u) => u.unreaped))} processes counted from samples`
          : ''),
    );
  }
  const all = Object.values(measured).flat();
  const peak = Math.max(...all.map((u) => u.engineHwmMiB));
  console.log(
    `  peak RSS per engine run (engine processes at their own peaks, the largest run): ${peak.toFixed(0)} MiB; ` +
      `controller RSS peak ${Math.max(...all.map((u) => u.controllerPeakMiB)).toFixed(0)} MiB`,
  );
}

/** `count` Departments created at once, each to RuntimeReady=True, `CONCURRENCY` engine slots. */
async function burst(bed: RuntimeTestbed, runtime: RuntimeComponent, count: number): Promise<void> {
  const meter = new EngineUsageMeter(200);
  const createToReady = async (name: string): Promise<number> => {
    const started = performance.now();
    await bed.department(name);
    const result = await bed.settle(runtime, name);
    if (result.condition.status !== 'True') throw new Error(`${name}: ${result.condition.message}`);
    return performance.now() - started;
  };
  const engineBefore = runtime.stacks.engineMs;
  meter.start();
  const started = performance.now();
  const times = await Promise.all(Array.from({ length: count }, (_, i) => createToReady(`bench-${count}-${i}`)));
  const wall = performance.now() - started;
  const usage = meter.stop();
  const engine = runtime.stacks.engineMs - engineBefore;
  const sorted = [...times].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(count / 2)] ?? 0;
  const max = sorted.at(-1) ?? 0;
  const sum = times.reduce((a, b) => a + b, 0);
  console.log(
    `\n${count} department(s) at once, ${CONCURRENCY} engine slots: wall ${(wall / 1000).toFixed(1)} s; ` +
      `create->RuntimeReady p50 ${(p50 / 1000).toFixed(1)} s, max ${(max / 1000).toFixed(1)} s; ` +
      `CPU ${((usage.controllerSeconds + usage.engineSeconds) / count).toFixed(2)} s per department; ` +
      `engine share ${((engine / sum) * 100).toFixed(0)} % (${(engine / wall).toFixed(1)} slots busy on average); ` +
      `controller RSS peak ${usage.controllerPeakMiB.toFixed(0)} MiB, engine processes RSS peak ${usage.enginePeakMiB.toFixed(0)} MiB`,
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function cpuCount(): number {
  return readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('processor')).length;
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
