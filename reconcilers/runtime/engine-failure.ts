import { redactSecrets } from '../../controller/runtime/redact.ts';
import { EngineTimeoutError } from '../../pulumi/engine-timeout.ts';
import { Reason } from './conditions.ts';

/** Why a stack operation failed: a condition reason and one line a user can act on. */
export interface EngineFailureCause {
  reason: string;
  message: string;
}

/** What the Railway provider says when a call fails (pulumi/railway/client.ts), with the operation's name. */
const RAILWAY_FAILED = /Railway ([\w-]+) failed: ([^\n]+)/g;
const RAILWAY_NETWORK = /Railway ([\w-]+): network error/g;

function oneLine(text: string, secretValues: string[]): string {
  return redactSecrets(text.replace(/\s+/g, ' ').trim(), secretValues).slice(0, 400);
}

function listed(failures: Map<string, string>, keep: (detail: string) => boolean): string {
  const ops = [...failures].filter(([, detail]) => keep(detail)).map(([op]) => op);
  return ops.length > 3 ? `${ops.slice(0, 3).join(', ')} and ${ops.length - 3} more` : ops.join(', ');
}

/**
 * The cause of an engine failure, from the engine's multi-line output (or of a failed Railway call the component
 * makes itself, whose message has the same shape): Railway answering 429 is
 * `RailwayRateLimited`, 5xx or unreachable `RailwayUnavailable`, any other refusal `RailwayRequestFailed` (with
 * Railway's message); a stack held by another update `StackLocked`; a run stopped at its deadline `EngineTimedOut`; anything else `EngineFailed` with the
 * engine's first error line. The message is one line, redacted.
 */
export function classifyEngineFailure(error: unknown, secretValues: string[]): EngineFailureCause {
  if (error instanceof EngineTimeoutError) {
    return { reason: Reason.EngineTimedOut, message: `Pulumi: ${error.message}; retrying` };
  }
  const text = error instanceof Error ? error.message : String(error);
  const railway = new Map<string, string>();
  for (const m of text.matchAll(RAILWAY_FAILED)) railway.set(m[1] as string, (m[2] as string).trim());
  for (const m of text.matchAll(RAILWAY_NETWORK)) railway.set(m[1] as string, 'network error');
  const details = [...railway.values()];
  if (details.some((d) => /\bHTTP 429\b/.test(d))) {
    const ops = listed(railway, (d) => /\bHTTP 429\b/.test(d));
    return {
      reason: Reason.RailwayRateLimited,
      message: oneLine(`Railway is rate-limiting us (HTTP 429 on ${ops}); retrying`, secretValues),
    };
  }
  const unavailable = (d: string) => /\bHTTP 5\d\d\b|network error/.test(d);
  if (details.some(unavailable)) {
    const statuses = [...new Set(details.filter(unavailable).map((d) => /HTTP \d+|network error/.exec(d)?.[0]))];
    return {
      reason: Reason.RailwayUnavailable,
      message: oneLine(
        `Railway is unavailable (${statuses.join(', ')} on ${listed(railway, unavailable)}); retrying`,
        secretValues,
      ),
    };
  }
  if (railway.size > 0) {
    const [op, detail] = [...railway][0] as [string, string];
    return { reason: Reason.RailwayRequestFailed, message: oneLine(`Railway refused ${op}: ${detail}`, secretValues) };
  }
  if (/the stack is currently locked/.test(text)) {
    return { reason: Reason.StackLocked, message: 'the stack is locked by another update still running; retrying' };
  }
  const first = /\berror: (?!update failed\s*$)[^\n]+/im.exec(text)?.[0];
  return { reason: Reason.EngineFailed, message: oneLine(`Pulumi: ${first ?? text.slice(0, 300)}`, secretValues) };
}
