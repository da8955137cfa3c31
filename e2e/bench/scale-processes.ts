import { readFileSync } from 'node:fs';
import { listProcesses } from '../testenv/processes.ts';

/** CPU seconds so far and resident memory of the platform's process groups. */
export interface Sample {
  cpuSeconds: { controller: number; engines: number; postgres: number; n8n: number };
  rssMiB: { controller: number; engines: number; postgres: number; n8n: number };
}

const TICKS = 100; // USER_HZ on Linux

function stat(pid: number): { own: number; children: number; rssMiB: number } {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // utime stime cutime cstime are fields 14..17 (1-based), here offset by the two fields before the state.
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(f[i]));
    const rssPages = Number(f[21]);
    return {
      own: ((utime ?? 0) + (stime ?? 0)) / TICKS,
      children: ((cutime ?? 0) + (cstime ?? 0)) / TICKS,
      rssMiB: (rssPages * 4096) / 1024 / 1024,
    };
  } catch {
    return { own: 0, children: 0, rssMiB: 0 };
  }
}

/**
 * One look at the platform: the controller (its own CPU), the Pulumi engines it runs (live pulumi CLIs and
 * provider plugins, plus every finished one, which the controller's children-CPU counts once they exit),
 * Postgres (all its processes; exited backends counted by the postmaster) and n8n.
 */
export function sampleProcesses(runDir: string, dataDir: string): Sample {
  const all = listProcesses();
  const controller = all.find((p) => p.cmdline.includes('controller/main.'));
  const engines = all.filter((p) => /(^|\/)pulumi( |$)|pulumi-resource-railway|provider\/main\./.test(p.cmdline));
  const postgres = all.filter((p) => p.cmdline.includes('postgres') && p.cmdline.includes(dataDir));
  const postmaster = postgres.find((p) => p.cmdline.includes(' -D '));
  const backends = all.filter((p) => postmaster && p.ppid === postmaster.pid);
  const n8n = all.filter(
    // n8n's environment names the platform's data directory (it keeps its user folder there), not the run.
    (p) =>
      p.cmdline.includes('n8n') &&
      (p.environ.includes(runDir) || p.environ.includes(dataDir)) &&
      p.cmdline.includes(' start'),
  );
  const c = controller ? stat(controller.pid) : { own: 0, children: 0, rssMiB: 0 };
  const e = engines.map((p) => stat(p.pid));
  const pg = [postmaster, ...backends].filter(Boolean).map((p) => stat((p as { pid: number }).pid));
  const n = n8n.map((p) => stat(p.pid));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    cpuSeconds: {
      controller: c.own,
      engines: c.children + sum(e.map((x) => x.own)),
      postgres: sum(pg.map((x) => x.own)) + (pg[0]?.children ?? 0),
      n8n: sum(n.map((x) => x.own + x.children)),
    },
    rssMiB: {
      controller: c.rssMiB,
      engines: sum(e.map((x) => x.rssMiB)),
      postgres: sum(pg.map((x) => x.rssMiB)),
      n8n: sum(n.map((x) => x.rssMiB)),
    },
  };
}

/** CPU seconds each process group spent between two samples. */
export function cpuSince(before: Sample, after: Sample): Sample['cpuSeconds'] {
  const d = (k: keyof Sample['cpuSeconds']) => after.cpuSeconds[k] - before.cpuSeconds[k];
  return { controller: d('controller'), engines: d('engines'), postgres: d('postgres'), n8n: d('n8n') };
}
