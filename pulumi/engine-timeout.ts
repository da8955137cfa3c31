/** An engine run stopped at `operationTimeoutMs`. */
export class EngineTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the engine run did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`);
    this.name = 'EngineTimeoutError';
  }
}
