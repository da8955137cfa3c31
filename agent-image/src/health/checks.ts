import type pg from 'pg';
import { type AgentDependency, GATEWAY_READY_PATH } from '../../../crds/agent.ts';
import { qualified } from '../db/pool.ts';

export interface CheckResult {
  ok: boolean;
  message: string;
}

export type Check = () => Promise<CheckResult>;

const TIMEOUT_MS = 3_000;

async function bounded(check: Check): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, message: `no answer within ${TIMEOUT_MS} ms` }), TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch((e: Error) => ({ ok: false, message: e.message })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The department's role can read its own tool_calls (so it can also record calls). */
export function databaseCheck(pool: Pick<pg.Pool, 'query'>, schema: string): Check {
  return async () => {
    await pool.query(`SELECT 1 FROM ${qualified(schema, 'tool_calls')} LIMIT 0`);
    return { ok: true, message: `connected as the department's role (schema ${schema})` };
  };
}

/** The gateway answers its readiness probe (no token is spent on it). */
export function gatewayCheck(url: string | undefined): Check {
  return async () => {
    if (!url) return { ok: true, message: 'not configured: cross-department tools are off' };
    const ready = `${url.replace(/\/+$/, '')}${GATEWAY_READY_PATH}`;
    const response = await fetch(ready, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return response.ok
      ? { ok: true, message: `${url} is ready` }
      : { ok: false, message: `${ready} answered ${response.status}` };
  };
}

/** Runs every check in parallel, each bounded, never throwing. */
export async function runChecks(checks: Record<AgentDependency, Check>): Promise<Record<AgentDependency, CheckResult>> {
  const names = Object.keys(checks) as AgentDependency[];
  const results = await Promise.all(names.map((n) => bounded(checks[n])));
  return Object.fromEntries(names.map((n, i) => [n, results[i]])) as Record<AgentDependency, CheckResult>;
}
