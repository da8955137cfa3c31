// Builds the LiveKit plugin instances for the resolved settings. Imported by job processes only: the plugins
// are heavy to load, and the main process needs just the settings (config/settings.ts).
import type { llm as llmTypes, stt as sttTypes, tts as ttsTypes } from '@livekit/agents';
import * as cartesia from '@livekit/agents-plugin-cartesia';
import * as deepgram from '@livekit/agents-plugin-deepgram';
import * as google from '@livekit/agents-plugin-google';
import * as openai from '@livekit/agents-plugin-openai';
import type { AgentSettings } from '../../../crds/agent.ts';
import type { AgentEnv } from '../config/env.ts';

export interface Models {
  llm: llmTypes.LLM;
  stt: sttTypes.STT;
  tts: ttsTypes.TTS;
}

/** Each provider's base URL is configurable so the local platform can point it at its stand-ins. */
export function createModels(env: AgentEnv, settings: AgentSettings): Models {
  const { llm, stt, tts } = settings;
  const model =
    llm.provider === 'cerebras'
      ? openai.LLM.withCerebras({
          model: llm.model,
          apiKey: env.CEREBRAS_API_KEY,
          temperature: llm.temperature,
          ...(env.CEREBRAS_BASE_URL ? { baseURL: env.CEREBRAS_BASE_URL } : {}),
        })
      : llm.provider === 'openai'
        ? new openai.LLM({
            model: llm.model,
            apiKey: env.OPENAI_API_KEY,
            temperature: llm.temperature,
            ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
          })
        : // @google/genai reads GOOGLE_GEMINI_BASE_URL from the environment itself (prewarm included).
          new google.LLM({ model: llm.model, apiKey: env.GOOGLE_API_KEY, temperature: llm.temperature });
  const speechToText = new deepgram.STT({
    model: stt.model,
    apiKey: env.DEEPGRAM_API_KEY,
    ...(env.DEEPGRAM_BASE_URL ? { baseUrl: env.DEEPGRAM_BASE_URL } : {}),
  });
  const textToSpeech =
    tts.provider === 'openai'
      ? new openai.TTS({
          model: tts.model,
          voice: tts.voice as openai.TTSVoices,
          apiKey: env.OPENAI_API_KEY,
          ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
        })
      : new cartesia.TTS({
          model: tts.model,
          voice: tts.voice,
          apiKey: env.CARTESIA_API_KEY,
          ...(env.CARTESIA_BASE_URL ? { baseUrl: env.CARTESIA_BASE_URL } : {}),
        });
  return { llm: model, stt: speechToText, tts: textToSpeech };
}
