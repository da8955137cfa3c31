import { readdirSync, readFileSync } from 'node:fs';
import { OWNER_ENV, ownerToken } from '../../pulumi/engine-processes/owner.ts';

const TICKS = 100; // USER_HZ on Linux
const PAGE = 4096;

/** CPU seconds and memory of what ran between start() and stop(). */
export interface Usage {
  /** CPU of this process (the controller's code, the Automation API, the inline program's language host). */
  controllerSeconds: number;
  /** CPU this meter's sampling of /proc took in this process, left out of controllerSeconds. */
  meterSeconds: number;
  /** CPU of the engine processes: the guards, the pulumi CLIs and the provider plugins, ended or not. */
  engineSeconds: number;
  /** Engine processes seen ending neither as this process's children nor while sampled (should stay 0). */
  unreaped: number;
  /** The most the engine processes held at once (their RSS summed, sampled every `intervalMs`). */
  enginePeakMiB: number;
  /**
   * The most the engine processes running at one moment held at their own peaks (VmHWM summed per sample): an
   * upper bound of enginePeakMiB that a peak between two samples cannot escape.
   */
  engineHwmMiB: number;
  /** This process's peak RSS meanwhile. */
  controllerPeakMiB: number;
  processes: number;
}

interface Seen {
  cpu: number;
  /** Whether it was last seen as a descendant of this process (its CPU then reaches our children's CPU). */
  descendant: boolean;
}

function fields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime+stime and cutime+cstime of a process, in seconds (fields 14..17, here after pid, comm). */
function cpuOf(f: string[]): { own: number; children: number } {
  const [u, s, cu, cs] = [11, 12, 13, 14].map((i) => Number(f[i] ?? 0));
  return { own: ((u ?? 0) + (s ?? 0)) / TICKS, children: ((cu ?? 0) + (cs ?? 0)) / TICKS };
}

/**
 * Measures engine runs from inside the process that starts them (the controller; here the bench). Every engine
 * process carries this process's owner token in its environment (pulumi/engine-processes/owner.ts), so the
 * sampler finds each one, the plugins the engine starts in their own process groups included. CPU of an engine
 * process that has ended is counted through this process's children's CPU (cutime/cstime: the guard waits for its
 * CLI, the CLI for its plugins), so nothing is lost between samples; a process seen running but not as our
 * descendant (reparented) would be missed there, and is counted from its last sample and reported in `unreaped`.
 */
export class EngineUsageMeter {
  private readonly owner = `${OWNER_ENV}=${ownerToken()}`;
  private timer: NodeJS.Timeout | undefined;
  private seen = new Map<string, Seen>();
  private startCpu = process.cpuUsage();
  private startChildren = 0;
  private peakRssKiB = 0;
  private peakHwmKiB = 0;
  private controllerPeakKiB = 0;
  /** CPU the sampling itself took in this process (synchronous reads of /proc), not the controller's. */
  private samplingSeconds = 0;

  constructor(private readonly intervalMs = 50) {}

  start(): void {
    this.seen = new Map();
    this.peakRssKiB = 0;
    this.peakHwmKiB = 0;
    this.controllerPeakKiB = 0;
    this.samplingSeconds = 0;
    this.startCpu = process.cpuUsage();
    this.startChildren = cpuOf(fields('self') ?? []).children;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): Usage {
    clearInterval(this.timer);
    const running = this.sample();
    const cpu = process.cpuUsage(this.startCpu);
    const reaped = cpuOf(fields('self') ?? []).children - this.startChildren;
    // Still running (none once a run has ended), or not our descendant: not in our children's CPU.
    const unreaped = [...this.seen].filter(([key, s]) => running.has(key) || !s.descendant).map(([, s]) => s);
    const live = [...this.seen.values()];
    return {
      controllerSeconds: (cpu.user + cpu.system) / 1e6 - this.samplingSeconds,
      meterSeconds: this.samplingSeconds,
      engineSeconds: reaped + unreaped.reduce((a, s) => a + s.cpu, 0),
      unreaped: unreaped.length,
      enginePeakMiB: this.peakRssKiB / 1024,
      engineHwmMiB: this.peakHwmKiB / 1024,
      controllerPeakMiB: this.controllerPeakKiB / 1024,
      processes: live.length,
    };
  }

  private engineProcesses(): { pid: number; f: string[] }[] {
    const found: { pid: number; f: string[] }[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid === process.pid) continue;
      let environ: string;
      try {
        environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      } catch {
        continue;
      }
      if (!environ.startsWith(this.owner) && !environ.includes(`\0${this.owner}\0`)) continue;
      const f = fields(pid);
      if (f && f[0] !== 'Z') found.push({ pid, f });
    }
    return found;
  }

  /** One look at the engine processes, its own CPU counted apart; returns the keys (pid@start time) of those running. */
  private sample(): Set<string> {
    const before = process.cpuUsage();
    try {
      return this.look();
    } finally {
      const spent = process.cpuUsage(before);
      this.samplingSeconds += (spent.user + spent.system) / 1e6;
    }
  }

  private look(): Set<string> {
    const procs = this.engineProcesses();
    const running = new Set<string>();
    const ppid = new Map(procs.map(({ pid, f }) => [pid, Number(f[1])]));
    const descends = (pid: number): boolean => {
      for (let p = ppid.get(pid), hops = 0; p !== undefined && hops < 16; p = ppid.get(p), hops++) {
        if (p === process.pid) return true;
      }
      return false;
    };
    let rssKiB = 0;
    let hwmSumKiB = 0;
    for (const { pid, f } of procs) {
      const key = `${pid}@${f[19]}`;
      running.add(key);
      const { own } = cpuOf(f);
      rssKiB += (Number(f[21]) * PAGE) / 1024;
      let hwmKiB = 0;
      try {
        hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        // ended while we looked
      }
      hwmSumKiB += hwmKiB;
      const before = this.seen.get(key);
      this.seen.set(key, {
        cpu: Math.max(before?.cpu ?? 0, own),
        descendant: descends(pid),
      });
    }
    this.peakRssKiB = Math.max(this.peakRssKiB, rssKiB);
    this.peakHwmKiB = Math.max(this.peakHwmKiB, hwmSumKiB);
    this.controllerPeakKiB = Math.max(this.controllerPeakKiB, process.memoryUsage().rss / 1024);
    return running;
  }
}
