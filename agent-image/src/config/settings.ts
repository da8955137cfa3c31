import type { AgentSettings } from '../../../crds/agent.ts';
import { type AgentEnv, ConfigError } from './env.ts';

/** The LLM/STT/TTS the agent can serve, by the provider names the Department's spec uses. */
export const SERVED = {
  llm: ['cerebras', 'openai', 'google'],
  stt: ['deepgram'],
  tts: ['cartesia', 'openai'],
} as const;

const DEFAULT_LLM_MODEL: Record<(typeof SERVED.llm)[number], string> = {
  cerebras: 'llama-3.3-70b',
  openai: 'gpt-4.1-mini',
  google: 'gemini-2.5-flash',
};
const KEY_OF = {
  cerebras: 'CEREBRAS_API_KEY',
  openai: 'OPENAI_API_KEY',
  google: 'GOOGLE_API_KEY',
  deepgram: 'DEEPGRAM_API_KEY',
  cartesia: 'CARTESIA_API_KEY',
} as const;
const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer'];
/** Cartesia's default voice (the plugin's TTSDefaultVoiceId), used when spec.tts.voice names a model. */
export const CARTESIA_DEFAULT_VOICE = 'f786b574-daa5-4673-aa0c-cbe3e8534c02';

function served<K extends keyof typeof SERVED>(kind: K, provider: string): (typeof SERVED)[K][number] {
  const options = SERVED[kind] as readonly string[];
  if (!options.includes(provider)) {
    throw new ConfigError(
      `spec.${kind}.provider ${provider} is not served by this agent image (it serves ${options.join(', ')})`,
    );
  }
  return provider as (typeof SERVED)[K][number];
}

function requireKey(env: AgentEnv, kind: string, provider: keyof typeof KEY_OF): void {
  const key = KEY_OF[provider];
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
    if (!OPENAI_VOICES.includes(env.TTS_VOICE)) {
      throw new ConfigError(
        `spec.tts.voice ${env.TTS_VOICE} is not an OpenAI voice (one of ${OPENAI_VOICES.join(', ')})`,
      );
    }
    ttsModel = 'gpt-4o-mini-tts';
    voice = env.TTS_VOICE;
  } else if (/^sonic(-|$)/.test(env.TTS_VOICE)) {
    ttsModel = env.TTS_VOICE;
    voice = CARTESIA_DEFAULT_VOICE;
  } else {
    ttsModel = 'sonic-3';
    voice = env.TTS_VOICE;
  }
  return {
    department: env.DEPARTMENT_ID,
    agentName: env.AGENT_NAME ?? `aio-${env.DEPARTMENT_ID}`,
    llm: { provider: llm, model: env.LLM_MODEL ?? DEFAULT_LLM_MODEL[llm], temperature: env.LLM_TEMPERATURE },
    stt: { provider: stt, model: env.STT_MODEL },
    tts: { provider: tts, model: ttsModel, voice },
    tools,
  };
}
