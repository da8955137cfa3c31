// The LLM, speech-to-text and text-to-speech providers the department's voice agent runs, and their models: the
// Department's schema admits exactly these (crds/department.ts) and the agent builds them (agent-image/).

export const LLM_PROVIDERS = ['cerebras', 'openai', 'google'] as const;
export const STT_PROVIDERS = ['deepgram'] as const;
export const TTS_PROVIDERS = ['cartesia', 'openai'] as const;

export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export type SttProvider = (typeof STT_PROVIDERS)[number];
export type TtsProvider = (typeof TTS_PROVIDERS)[number];

export const DEFAULT_LLM_PROVIDER: LlmProvider = 'cerebras';
export const DEFAULT_STT_PROVIDER: SttProvider = 'deepgram';
export const DEFAULT_TTS_PROVIDER: TtsProvider = 'cartesia';

/** The model each LLM provider runs when spec.llm.model is unset. */
export const DEFAULT_LLM_MODEL: Record<LlmProvider, string> = {
  cerebras: 'llama-3.3-70b',
  openai: 'gpt-4.1-mini',
  google: 'gemini-2.5-flash',
};

/** Deepgram's model when spec.stt.model is unset. */
export const DEFAULT_STT_MODEL = 'nova-3';

/** spec.tts.voice when unset: for Cartesia a voice that names a model selects that model with its default voice. */
export const DEFAULT_TTS_VOICE = 'sonic-3';
/** The Cartesia model used with a voice id (a voice that is not itself a model name). */
export const CARTESIA_MODEL = 'sonic-3';
/** Cartesia's default voice (the plugin's TTSDefaultVoiceId), used when spec.tts.voice names a model. */
export const CARTESIA_DEFAULT_VOICE = 'f786b574-daa5-4673-aa0c-cbe3e8534c02';

export const OPENAI_TTS_MODEL = 'gpt-4o-mini-tts';
export const OPENAI_TTS_VOICES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'nova',
  'onyx',
  'sage',
  'shimmer',
] as const;

/** The platform Secret key each provider needs (the runtime passes it to the agent under this name). */
export const PROVIDER_API_KEY = {
  cerebras: 'CEREBRAS_API_KEY',
  openai: 'OPENAI_API_KEY',
  google: 'GOOGLE_API_KEY',
  deepgram: 'DEEPGRAM_API_KEY',
  cartesia: 'CARTESIA_API_KEY',
} as const satisfies Record<LlmProvider | SttProvider | TtsProvider, string>;
