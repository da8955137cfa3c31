import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../logging/log.ts';
import { handleFatalErrors } from './fatal-errors.ts';

function recordingLog(lines: string[]): Logger {
  const log: Logger = {
    info: (msg) => lines.push(`info ${msg}`),
    warn: (msg) => lines.push(`warn ${msg}`),
    error: (msg, fields) => lines.push(`error ${msg} ${JSON.stringify(fields)}`),
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

describe('handleFatalErrors', () => {
  it('logs an unhandled rejection and keeps the process running', () => {
    const target = new EventEmitter();
    const lines: string[] = [];
    const shutdowns: unknown[] = [];
    handleFatalErrors({
      log: recordingLog(lines),
      shutdown: (...args) => void shutdowns.push(args),
      target,
      exit: () => shutdowns.push('exit'),
    });
    target.emit('unhandledRejection', new Error('socket hang up'));
    expect(lines).toEqual([expect.stringContaining('unhandled promise rejection')]);
    expect(lines[0]).toContain('socket hang up');
    expect(shutdowns).toEqual([]);
  });

  it('logs an uncaught exception and leaves through the orderly shutdown with exit code 1', async () => {
    const target = new EventEmitter();
    const lines: string[] = [];
    const shutdowns: unknown[] = [];
    const exits: number[] = [];
    handleFatalErrors({
      log: recordingLog(lines),
      shutdown: (...args) => void shutdowns.push(args),
      target,
      deadlineMs: 10,
      exit: (code) => exits.push(code),
    });
    target.emit('uncaughtException', new SyntaxError('Unexpected token'));
    expect(lines[0]).toContain('uncaught exception');
    expect(lines[0]).toContain('SyntaxError: Unexpected token');
    expect(shutdowns).toEqual([['uncaughtException', 1]]);
    // A shutdown that never finishes still ends the process, with the same code.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exits).toEqual([1]);
  });
});
