import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** A duration like 500ms, 15s, 5m or 1h, in milliseconds (the controller's format). */
const duration = (fallback: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h)$/, 'a duration like 500ms, 15s, 5m or 1h')
    .default(fallback)
    .transform((v) => {
      const [, n, unit] = v.match(/^(\d+)(ms|s|m|h)$/) as RegExpMatchArray;
      return Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms'];
    });

/** The health monitor's settings: the seed probes every 5 minutes with a 5 second timeout. */
export const agentHealthEnv = z.object({
  AGENT_HEALTH_INTERVAL: duration('5m'),
  AGENT_HEALTH_TIMEOUT: duration('5s'),
  /** How long a new deployment may take to answer before it counts as Unreachable. */
  AGENT_STARTUP_GRACE: duration('3m'),
  /** A PEM file of extra CAs for the agents' domains (NODE_EXTRA_CA_CERTS works too). */
  AGENT_HEALTH_CA_FILE: z.string().min(1).optional(),
});

export interface AgentHealthConfig {
  intervalMs: number;
  timeoutMs: number;
  startupGraceMs: number;
  ca?: string | undefined;
}

export function agentHealthConfigFromEnv(env: NodeJS.ProcessEnv): AgentHealthConfig {
  const parsed = agentHealthEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `agent health settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  return {
    intervalMs: e.AGENT_HEALTH_INTERVAL,
    timeoutMs: e.AGENT_HEALTH_TIMEOUT,
    startupGraceMs: e.AGENT_STARTUP_GRACE,
    ca: e.AGENT_HEALTH_CA_FILE ? readFileSync(e.AGENT_HEALTH_CA_FILE, 'utf8') : undefined,
  };
}
