import { z } from 'zod';
import { departmentName } from '../../../crds/common.ts';
import {
  DEFAULT_LLM_PROVIDER,
  DEFAULT_STT_MODEL,
  DEFAULT_STT_PROVIDER,
  DEFAULT_TTS_PROVIDER,
  DEFAULT_TTS_VOICE,
} from '../../../crds/providers.ts';

const positiveMs = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
const optionalUrl = optionalText.pipe(z.url().optional());

/** A Postgres identifier the agent qualifies its tables with (validated here, quoted where used). */
const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case Postgres identifier');

/**
 * The agent's environment, parsed once at start (and again in each job process, which inherits it). The runtime
 * component sets these as the Railway service's variables; see agent-image/README.md for each one.
 */
export const agentEnv = z.object({
  DEPARTMENT_ID: departmentName,
  DEPARTMENT_NAME: optionalText,
  /** spec.googleWorkspace: the domain the department's Drive and Gmail tools work in (told to the LLM). */
  GOOGLE_WORKSPACE_DOMAIN: optionalText,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),

  LIVEKIT_URL: z.url(),
  LIVEKIT_API_KEY: z.string().min(1),
  LIVEKIT_API_SECRET: z.string().min(1),
  AGENT_NAME: optionalText,

  DB_HOST: z.string().min(1),
  DB_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
  DB_NAME: z.string().min(1),
  DB_SCHEMA: identifier,
  DB_USER: z.string().min(1),
  DB_PASSWORD: z.string().min(1),

  ENABLED_TOOLS: z
    .string()
    .default('[]')
    .transform((v, ctx) => {
      try {
        const parsed = JSON.parse(v) as unknown;
        if (Array.isArray(parsed) && parsed.every((t) => typeof t === 'string')) return parsed as string[];
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of tool names, e.g. ["email","database"]' });
      return z.NEVER;
    }),
  /** spec.customSettings as a JSON object (unset: none); carried in the agent's settings and told to the LLM. */
  CUSTOM_SETTINGS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return {};
      try {
        const parsed = JSON.parse(v) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object (spec.customSettings)' });
      return z.NEVER;
    }),
  N8N_WEBHOOK_BASE_URL: optionalUrl,
  N8N_WEBHOOK_HEADER: optionalText,
  N8N_WEBHOOK_TOKEN: optionalText,
  GATEWAY_URL: optionalUrl,
  GATEWAY_TOKEN: optionalText,
  /** A mounted Secret key holding the token; re-read whenever it changes (takes precedence over GATEWAY_TOKEN). */
  GATEWAY_TOKEN_FILE: optionalText,

  LLM_PROVIDER: z.string().default(DEFAULT_LLM_PROVIDER),
  LLM_MODEL: optionalText,
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0.7),
  STT_PROVIDER: z.string().default(DEFAULT_STT_PROVIDER),
  STT_MODEL: z.string().min(1).default(DEFAULT_STT_MODEL),
  TTS_PROVIDER: z.string().default(DEFAULT_TTS_PROVIDER),
  TTS_VOICE: z.string().min(1).default(DEFAULT_TTS_VOICE),

  CEREBRAS_API_KEY: optionalText,
  OPENAI_API_KEY: optionalText,
  GOOGLE_API_KEY: optionalText,
  DEEPGRAM_API_KEY: optionalText,
  CARTESIA_API_KEY: optionalText,
  CEREBRAS_BASE_URL: optionalUrl,
  OPENAI_BASE_URL: optionalUrl,
  GOOGLE_GEMINI_BASE_URL: optionalUrl,
  DEEPGRAM_BASE_URL: optionalUrl,
  CARTESIA_BASE_URL: optionalUrl,

  /** Job processes kept warm for the next session (0 forks one per session). */
  AGENT_IDLE_PROCESSES: z.coerce.number().int().min(0).max(16).default(1),
  /** Sessions one agent serves at once; the load it reports to LiveKit is sessions / this. */
  AGENT_MAX_SESSIONS: z.coerce.number().int().min(1).max(1000).default(10),
  /** How long SIGTERM waits for active sessions before ending them. */
  AGENT_DRAIN_TIMEOUT_MS: positiveMs(30_000),
  /** How long a forked job process may take to load the agent. */
  AGENT_JOB_INIT_TIMEOUT_MS: positiveMs(30_000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
});

export type AgentEnv = z.infer<typeof agentEnv>;

/** A setting the agent cannot serve: the process refuses to start with this message. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses the environment, naming every bad variable (never its value). */
export function parseAgentEnv(env: NodeJS.ProcessEnv): AgentEnv {
  const parsed = agentEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.code === 'invalid_type' && i.input === undefined
        ? `${i.path.join('.')} is not set`
        : `${i.path.join('.')}: ${i.message}`,
    );
    throw new ConfigError(`the agent's environment is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}
