/** The structured logger every part of the controller takes (controller/platform/logging implements it). */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

const quiet = () => {};

/** A logger that drops everything (tests, tools). */
export const silentLogger: Logger = {
  info: quiet,
  warn: quiet,
  error: quiet,
  debug: quiet,
  child: () => silentLogger,
};
