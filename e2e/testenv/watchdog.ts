import { type ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess } from './managed-process.ts';
import { identityOf, type ProcessId, serverMarker, serverProcesses, stopProcesses } from './process-identity.mjs';

/**
 * What a platform started, and a detached helper that cleans up after this process however it ends, SIGKILL
 * included: it notices the IPC channel closing and stops every tracked server, each known by its identity (pid
 * and start time). Every server carries FEDERATION_SERVER_OF (`marker`), and so does what it starts.
 */
export class Watchdog {
  private readonly child: ChildProcess;
  /** This process's identity and the kept state's data directory: what no other run's servers carry. */
  readonly marker: string;
  private readonly running = new Set<ManagedProcess>();
  private refusing = false;
  private readonly ready: Promise<void>;

  constructor(dataDir?: string) {
    this.marker = serverMarker(identityOf(process.pid) as ProcessId, dataDir === undefined ? '' : resolve(dataDir));
    this.child = fork(fileURLToPath(new URL('./watchdog.mjs', import.meta.url)), [this.marker], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      execArgv: [],
    });
    this.child.unref();
    this.child.channel?.unref();
    // A message sent before the watchdog listens is lost: everything waits for its first message.
    this.ready = new Promise((resolve) => this.child.once('message', () => resolve()));
  }

  /** Throws once the platform is stopping: nothing starts during a shutdown. */
  admit(name: string): void {
    if (this.refusing) throw new Error(`${name} not started: the platform is stopping`);
  }

  track(server: ManagedProcess): void {
    this.running.add(server);
    this.send({ type: 'track', ...server.identity });
  }

  untrack(server: ManagedProcess): void {
    this.running.delete(server);
    this.send({ type: 'untrack', ...server.identity });
  }

  removeOnExit(path: string): void {
    this.send({ type: 'dir', path });
  }

  /** From now on no server starts (admit throws). */
  refuseNew(): void {
    this.refusing = true;
  }

  /**
   * Stops every server still running, then every process carrying the marker (what the servers started,
   * detached or orphaned), each by its identity: SIGTERM, up to `graceMs`, then SIGKILL.
   */
  async stopRemaining(graceMs = 10_000): Promise<void> {
    await Promise.all([...this.running].map((server) => server.stop(graceMs)));
    const left = await stopProcesses(
      () => serverProcesses().flatMap((p) => (p.marker === this.marker ? [p.id] : [])),
      graceMs,
    );
    if (left.length > 0) throw new Error(`still running after SIGKILL: pids ${left.map((p) => p.pid).join(', ')}`);
  }

  /** Everything was stopped in an orderly way: the watchdog exits with nothing left to do. */
  dismiss(): void {
    void this.ready.then(() => {
      if (this.child.connected) this.child.disconnect();
    });
  }

  private send(message: Record<string, unknown>): void {
    void this.ready.then(() => {
      if (this.child.connected) this.child.send(message);
    });
  }
}
