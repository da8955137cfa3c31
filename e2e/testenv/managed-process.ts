import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { identityOf, isRunning, listStats, type ProcessId, SERVER_OF, stopProcesses } from './process-identity.mjs';
import type { Watchdog } from './watchdog.ts';

/**
 * A server process started detached (the leader of its own process group), logging to a file, tracked by the
 * watchdog, carrying the watchdog's FEDERATION_SERVER_OF marker (as what it starts inherits).
 */
export class ManagedProcess {
  private readonly child: ChildProcess;
  private exited = false;
  /** pid and start time: the pid alone may name a stranger once this process is gone. */
  readonly identity: ProcessId;
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
    watchdog.admit(name);
    const log = openSync(logFile, 'a', 0o600); // logs may name addresses and users: not for other accounts
    this.child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...env, [SERVER_OF]: watchdog.marker },
      ...(user ?? {}),
    });
    closeSync(log);
    if (this.child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    // Until its exit is handled here the child's pid stays taken (a zombie at worst): its identity is readable.
    this.identity = identityOf(this.child.pid) as ProcessId;
    watchdog.track(this);
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

  /**
   * SIGTERM to the process and every member of its group (its children, unless they left it), up to `timeoutMs`
   * for all of them to go, then SIGKILL to those left: a child that ignores SIGTERM does not outlive the stop.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    const members = new Map<string, ProcessId>();
    const group = (): ProcessId[] => {
      // While its leader is not reaped the group's id cannot be reused: every member found then is this server's.
      if (!this.exited) {
        for (const s of listStats()) {
          if (s.pgrp === this.pid && !s.zombie) members.set(`${s.pid}:${s.start}`, { pid: s.pid, start: s.start });
        }
      }
      return [...members.values()].filter(isRunning);
    };
    await stopProcesses(group, timeoutMs);
    if (!this.exited) await this.exitPromise;
    this.watchdog.untrack(this);
  }
}
