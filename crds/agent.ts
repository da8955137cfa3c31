// The contract between the runtime component and the department's voice agent (agent-image/): the port and
// health paths the agent serves, and the shape of its /ready answer, which the runtime's health probe reads.
import { z } from 'zod';

/** The port the agent's health server listens on (the runtime passes it as PORT). */
export const AGENT_PORT = 8080;
/** Liveness: the process serves HTTP. Railway's health check path. */
export const AGENT_HEALTH_PATH = '/health';
/** Readiness: each dependency the agent needs, reported separately. */
export const AGENT_READY_PATH = '/ready';
/**
 * The gateway's readiness path, which every agent checks: the shipped Ingress and HTTPRoute publish it beside
 * /api (deploy/manifests.test.ts holds them to it).
 */
export const GATEWAY_READY_PATH = '/readyz';

/** The dependencies /ready reports, in the order a message names them. */
export const AGENT_DEPENDENCIES = ['database', 'gateway', 'livekit'] as const;
export type AgentDependency = (typeof AGENT_DEPENDENCIES)[number];

const check = z.object({
  ok: z.boolean(),
  /** Why it is not ok, or what was checked; never a secret. */
  message: z.string(),
});

/** What the agent serves from its settings (non-secret): the Department's llm/stt/tts as the agent runs them. */
export const agentSettings = z.object({
  department: z.string(),
  agentName: z.string(),
  llm: z.object({ provider: z.string(), model: z.string(), temperature: z.number() }),
  stt: z.object({ provider: z.string(), model: z.string() }),
  tts: z.object({ provider: z.string(), model: z.string(), voice: z.string() }),
  tools: z.array(z.string()),
  /** spec.customSettings as the agent received it (absent from agents that predate it). */
  customSettings: z.record(z.string(), z.unknown()).optional(),
});

/** The body of GET /ready: 200 when every check is ok, 503 otherwise (and while draining). */
export const agentReadiness = z.object({
  status: z.enum(['ready', 'not_ready', 'draining']),
  checks: z.object(
    Object.fromEntries(AGENT_DEPENDENCIES.map((d) => [d, check])) as Record<AgentDependency, typeof check>,
  ),
  settings: agentSettings,
});

export type AgentSettings = z.infer<typeof agentSettings>;
export type AgentReadiness = z.infer<typeof agentReadiness>;
