import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A detached helper that cleans up after this process however it ends, SIGKILL included:
 * it notices the IPC channel closing and stops every tracked server.
 */
export class Watchdog {
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(fileURLToPath(new URL('./watchdog.mjs', import.meta.url)), [], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      execArgv: [],
    });
    this.child.unref();
    this.child.channel?.unref();
  }

  track(pid: number): void {
    this.child.send({ type: 'track', pid });
  }

  untrack(pid: number): void {
    if (this.child.connected) this.child.send({ type: 'untrack', pid });
  }

  removeOnExit(path: string): void {
    this.child.send({ type: 'dir', path });
  }

  /** Everything was stopped in an orderly way: the watchdog exits with nothing left to do. */
  dismiss(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
