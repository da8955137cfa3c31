import pino from 'pino';
import type { Logger } from '../../runtime/logger.ts';
import { redactSecrets } from '../../runtime/redact.ts';

export type { Logger } from '../../runtime/logger.ts';

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

export interface LoggerOptions {
  /** Who logs: `federation-controller`, `federation-gateway`, ... (the `component` field of every line). */
  component: string;
  level?: string;
  destination?: pino.DestinationStream;
}

/**
 * One JSON line per event; secrets redacted at the logger (STYLE rule 7): by key anywhere in the fields, and
 * by shape (credentials in URLs, bearer tokens, key=value secrets) in the message and every string field.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const base = pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { component: opts.component },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT, ...REDACT.map((k) => `*.${k}`)], censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }), log: redactStrings },
    },
    opts.destination,
  );
  return wrap(base);
}

function redactStrings(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string') out[k] = redactSecrets(v);
    else if (v instanceof Error) out[k] = redactSecrets(v.message);
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = redactStrings(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

function wrap(p: pino.Logger): Logger {
  return {
    info: (msg, fields) => p.info(fields ?? {}, redactSecrets(msg)),
    warn: (msg, fields) => p.warn(fields ?? {}, redactSecrets(msg)),
    error: (msg, fields) => p.error(fields ?? {}, redactSecrets(msg)),
    debug: (msg, fields) => p.debug(fields ?? {}, redactSecrets(msg)),
    child: (bindings) => wrap(p.child(bindings)),
  };
}
