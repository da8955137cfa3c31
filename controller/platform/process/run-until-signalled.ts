import type { Logger } from '../logging/log.ts';
import { handleFatalErrors } from './fatal-errors.ts';

/** Something that starts, and stops reporting whether its in-flight work finished (the controller's Manager). */
export interface Service {
  start(): Promise<void>;
  stop(): Promise<boolean>;
}

export interface RunOptions {
  log: Logger;
  /** Closes what the service used (pools, engine runs) after it stopped. */
  close(): Promise<void>;
}

/**
 * Starts `service` and keeps the process running until SIGTERM, SIGINT or an uncaught exception; then stops
 * the service (in-flight work finishes), closes the rest and exits. A start-up failure (the metrics port taken,
 * the API server unreachable) ends the process with one clear line.
 */
export async function runUntilSignalled(service: Service, opts: RunOptions): Promise<void> {
  const { log } = opts;
  let stopping = false;
  const shutdown = async (reason: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { reason });
    const finished = await service.stop().catch((err: Error) => {
      log.error('stop failed', { error: err.message });
      return false;
    });
    await opts.close().catch((err: Error) => log.error('closing failed', { error: err.message }));
    log.info('stopped', { inFlightFinished: finished });
    process.exit(code);
  };
  handleFatalErrors({ log, shutdown });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  try {
    await service.start();
  } catch (error) {
    log.error('controller could not start', { error: error instanceof Error ? error.message : String(error) });
    await opts.close();
    process.exit(1);
  }
}
