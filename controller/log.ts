import pino from 'pino';
import type { Logger as ComponentLogger } from '../reconcilers/component.ts';

export type Logger = ComponentLogger & { child(bindings: Record<string, unknown>): Logger };

/** Keys whose values never reach a log line, wherever they appear. */
const REDACT = [
  'password',
  'token',
  'secret',
  'apiKey',
  'api_key',
  'client_secret',
  'refresh_token',
  'access_token',
  'authorization',
  'data',
  'stringData',
  'url',
];

/** One JSON line per event; secrets redacted at the logger (STYLE rule 7). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const base = pino(
    {
      level,
      base: { component: 'federation-controller' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT, ...REDACT.map((k) => `*.${k}`)], censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(base);
}

function wrap(p: pino.Logger): Logger {
  return {
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    child: (bindings) => wrap(p.child(bindings)),
  };
}
