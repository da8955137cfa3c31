import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOutput } from './go-build.ts';
import { cacheDir } from './versions.ts';

/** One slow thing the platform needs in the cache (a Go build, an npm install). */
export interface Artifact {
  name: string;
  /** `go` builds share two cores and run one at a time; `io` ones (npm installs) run beside them. */
  kind: 'go' | 'io';
  /** Seconds a cold build took on the 2-core machine this was measured on; replaced by this machine's last run. */
  expectedSeconds: number;
  /** Already in the cache (nothing to do)? */
  cached(): boolean;
  /** Builds or installs it; resolves with what to print (a path). */
  prepare(log: (line: string) => void): Promise<string>;
}

interface Progress {
  state: 'cached' | 'queued' | 'running' | 'done' | 'failed';
  started?: number;
  seconds?: number;
}

const TIMINGS = () => join(cacheDir(), 'timings.json');

function expected(a: Artifact, timings: Record<string, number>): number {
  return timings[a.name] ?? a.expectedSeconds;
}

function mmss(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Prepares every artifact before anything starts, with one progress display (what is being built, elapsed,
 * expected): Go builds one after another (they are CPU bound), installs beside them. Their own output goes to
 * `<cache>/prepare.log`. A failure names the artifact, the log and how to retry; the cache stays usable (every
 * build writes its result atomically, so a half-finished one is simply built again).
 */
export async function prepareAll(artifacts: Artifact[], out: (line: string) => void = console.log): Promise<void> {
  const missing = artifacts.filter((a) => !a.cached());
  if (missing.length === 0) return;
  mkdirSync(cacheDir(), { recursive: true });
  const timings: Record<string, number> = existsSync(TIMINGS()) ? JSON.parse(readFileSync(TIMINGS(), 'utf8')) : {};
  const logFile = join(cacheDir(), 'prepare.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const write = buildOutput.write;
  buildOutput.write = (line) => log.write(line);
  const progress = new Map<string, Progress>(
    artifacts.map((a) => [a.name, { state: missing.includes(a) ? 'queued' : 'cached' }]),
  );
  const total = missing.filter((a) => a.kind === 'go').reduce((sum, a) => sum + expected(a, timings), 0);
  out(`[prepare] first run on this machine: building ${missing.map((a) => a.name).join(', ')} into ${cacheDir()}`);
  out(
    `[prepare] expected about ${mmss(Math.max(total, ...missing.map((a) => expected(a, timings))))}; details in ${logFile}`,
  );
  const show = () =>
    out(
      `[prepare] ${artifacts
        .map((a) => {
          const p = progress.get(a.name) as Progress;
          if (p.state === 'running') {
            return `${a.name}: ${mmss((Date.now() - (p.started ?? 0)) / 1000)} of ~${mmss(expected(a, timings))}`;
          }
          return `${a.name}: ${p.state === 'done' ? `done in ${mmss(p.seconds ?? 0)}` : p.state}`;
        })
        .join(' | ')}`,
    );
  const ticker = setInterval(show, process.stdout.isTTY ? 5_000 : 30_000);

  const run = async (a: Artifact) => {
    const p = progress.get(a.name) as Progress;
    p.state = 'running';
    p.started = Date.now();
    try {
      const result = await a.prepare((line) => log.write(`${line}\n`));
      p.seconds = (Date.now() - p.started) / 1000;
      p.state = 'done';
      timings[a.name] = Math.round(p.seconds);
      writeFileSync(TIMINGS(), `${JSON.stringify(timings, null, 2)}\n`);
      out(`[prepare] ${a.name} ready in ${mmss(p.seconds)}: ${result}`);
    } catch (err) {
      p.state = 'failed';
      throw new Error(
        `preparing ${a.name} failed: ${(err as Error).message.split('\n').slice(-8).join('\n')}\n` +
          `The cache is unharmed; run the command again to retry (full output in ${logFile}).`,
      );
    }
  };
  try {
    const goBuilds = (async () => {
      for (const a of missing.filter((x) => x.kind === 'go')) await run(a);
    })();
    const installs = Promise.all(missing.filter((a) => a.kind === 'io').map(run));
    const results = await Promise.allSettled([goBuilds, installs]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    clearInterval(ticker);
    buildOutput.write = write;
    log.end();
  }
  show();
}
