import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Watchdog } from './watchdog.ts';

/** A server process started detached (its own process group), logging to a file, tracked by the watchdog. */
export class ManagedProcess {
  private readonly child: ChildProcess;
  private exited = false;
  readonly exitPromise: Promise<number | null>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    readonly logFile: string,
    private readonly watchdog: Watchdog,
    env: NodeJS.ProcessEnv = process.env,
    user?: { uid: number; gid: number },
  ) {
    const log = openSync(logFile, 'a', 0o600); // logs may name addresses and users: not for other accounts
    this.child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env, ...(user ?? {}) });
    closeSync(log);
    if (this.child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    watchdog.track(this.child.pid);
    this.exitPromise = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        this.exited = true;
        resolve(code);
      });
    });
    this.child.unref();
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** The last lines of the log, for error messages. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.exited) {
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
      await this.exitPromise;
      clearTimeout(timer);
    }
    this.watchdog.untrack(this.pid);
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // already gone
    }
  }
}
