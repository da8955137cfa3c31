import type { Logger } from '../logging/log.ts';

export interface FatalErrorOptions {
  log: Logger;
  /** The orderly shutdown (drain, close pools); the process then exits with `code`. */
  shutdown: (reason: string, code: number) => Promise<void> | void;
  /** A shutdown that hangs past this ends the process anyway (default 30 s). */
  deadlineMs?: number;
  /** Injected in tests; the real process by default. */
  target?: Pick<NodeJS.EventEmitter, 'on'>;
  exit?: (code: number) => void;
}

/**
 * Process-wide handlers so that an unexpected event from a library never ends the process silently: a
 * rejection nobody awaited is logged and the process goes on (no state was changed by it); an uncaught
 * exception may have left state half-changed, so it is logged and the process leaves through its orderly
 * shutdown with exit code 1, for Kubernetes to restart it.
 */
export function handleFatalErrors(opts: FatalErrorOptions): void {
  const target = opts.target ?? process;
  target.on('unhandledRejection', (reason: unknown) => {
    opts.log.error('unhandled promise rejection', { error: describe(reason) });
  });
  target.on('uncaughtException', (error: Error) => {
    opts.log.error('uncaught exception: shutting down', { error: describe(error) });
    const exit = opts.exit ?? ((code: number) => process.exit(code));
    setTimeout(() => exit(1), opts.deadlineMs ?? 30_000).unref();
    void opts.shutdown('uncaughtException', 1);
  });
}

function describe(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}
