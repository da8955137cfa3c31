// The two errors a reconcile may end in besides success, as the work queue treats them.

/** A failure retrying may fix (an unreachable dependency): retried with backoff; `reason` becomes the condition's. */
export class ComponentError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ComponentError';
  }
}

/** An error retrying cannot fix (bad input, a missing prerequisite a human must provide). */
export class TerminalError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}
