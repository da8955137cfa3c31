import type { AgentSettings } from '../../../crds/agent.ts';
import {
  CARTESIA_DEFAULT_VOICE,
  CARTESIA_MODEL,
  DEFAULT_LLM_MODEL,
  LLM_PROVIDERS,
  OPENAI_TTS_MODEL,
  OPENAI_TTS_VOICES,
  PROVIDER_API_KEY,
  STT_PROVIDERS,
  TTS_PROVIDERS,
} from '../../../crds/providers.ts';
import { type AgentEnv, ConfigError } from './env.ts';

/** The LLM/STT/TTS the agent can serve: the providers the Department's schema admits (crds/providers.ts). */
export const SERVED = { llm: LLM_PROVIDERS, stt: STT_PROVIDERS, tts: TTS_PROVIDERS } as const;

function served<K extends keyof typeof SERVED>(kind: K, provider: string): (typeof SERVED)[K][number] {
  const options = SERVED[kind] as readonly string[];
  if (!options.includes(provider)) {
    throw new ConfigError(
      `spec.${kind}.provider ${provider} is not served by this agent image (it serves ${options.join(', ')})`,
    );
  }
  return provider as (typeof SERVED)[K][number];
}

function requireKey(env: AgentEnv, kind: string, provider: keyof typeof PROVIDER_API_KEY): void {
  const key = PROVIDER_API_KEY[provider];
  if (!env[key]) {
    throw new ConfigError(`spec.${kind}.provider ${provider} needs ${key} (set it in the runtime platform Secret)`);
  }
}

/**
 * The Department's llm/stt/tts as the agent will run them, or a ConfigError naming the setting it cannot serve.
 * For Cartesia, a voice that names a model (the spec's default `sonic-3`) selects that model with the default
 * voice; anything else is a Cartesia voice id for the sonic-3 model.
 */
export function resolveSettings(env: AgentEnv, tools: string[]): AgentSettings {
  const llm = served('llm', env.LLM_PROVIDER);
  const stt = served('stt', env.STT_PROVIDER);
  const tts = served('tts', env.TTS_PROVIDER);
  requireKey(env, 'llm', llm);
  requireKey(env, 'stt', stt);
  requireKey(env, 'tts', tts === 'openai' ? 'openai' : 'cartesia');
  let ttsModel: string;
  let voice: string;
  if (tts === 'openai') {
    if (!(OPENAI_TTS_VOICES as readonly string[]).includes(env.TTS_VOICE)) {
      throw new ConfigError(
        `spec.tts.voice ${env.TTS_VOICE} is not an OpenAI voice (one of ${OPENAI_TTS_VOICES.join(', ')})`,
      );
    }
    ttsModel = OPENAI_TTS_MODEL;
    voice = env.TTS_VOICE;
  } else if (/^sonic(-|$)/.test(env.TTS_VOICE)) {
    ttsModel = env.TTS_VOICE;
    voice = CARTESIA_DEFAULT_VOICE;
  } else {
    ttsModel = CARTESIA_MODEL;
    voice = env.TTS_VOICE;
  }
  return {
    department: env.DEPARTMENT_ID,
    agentName: env.AGENT_NAME ?? `aio-${env.DEPARTMENT_ID}`,
    llm: { provider: llm, model: env.LLM_MODEL ?? DEFAULT_LLM_MODEL[llm], temperature: env.LLM_TEMPERATURE },
    stt: { provider: stt, model: env.STT_MODEL },
    tts: { provider: tts, model: ttsModel, voice },
    tools,
    customSettings: env.CUSTOM_SETTINGS,
  };
}
