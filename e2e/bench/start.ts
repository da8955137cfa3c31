// `npm run bench:start`: how long `npm start` takes on a warm binary cache, from nothing (--fresh) and with the
// state the last run kept: to .federation/local.env, and to every example Department Active. Medians of 3.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchPlatform, waitForExamplesActive } from '../support/launch-platform.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function once(stateDir: string, fresh: boolean): Promise<{ env: number; active: number }> {
  const started = Date.now();
  const platform = await launchPlatform({ stateDir, args: fresh ? ['--fresh'] : [] });
  const env = (Date.now() - started) / 1000;
  await waitForExamplesActive(platform, 300_000);
  const active = (Date.now() - started) / 1000;
  platform.child.kill('SIGINT');
  await platform.exited;
  return { env, active };
}

const stateDir = mkdtempSync(join(tmpdir(), 'fed-bench-start-'));
const results: Record<'fresh' | 'kept', { env: number; active: number }[]> = { fresh: [], kept: [] };
try {
  for (let i = 0; i < RUNS; i++) {
    // A fresh start leaves state behind, which the kept start that follows reuses.
    results.fresh.push(await once(stateDir, true));
    results.kept.push(await once(stateDir, false));
    console.log(
      `run ${i + 1}: fresh ${JSON.stringify(results.fresh.at(-1))}, kept ${JSON.stringify(results.kept.at(-1))}`,
    );
  }
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
console.log('\nnpm start, warm binary cache (seconds, median of %d)', RUNS);
console.log('| state | to local.env | to examples Active |');
console.log('| --- | --- | --- |');
for (const kind of ['fresh', 'kept'] as const) {
  const r = results[kind];
  console.log(`| ${kind} | ${median(r.map((x) => x.env)).toFixed(1)} | ${median(r.map((x) => x.active)).toFixed(1)} |`);
}
