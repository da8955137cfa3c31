import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderLog } from './recorder.ts';
import { tone } from './tone.ts';

/**
 * OpenAI's speech endpoint as the openai plugin's TTS calls it (non-streaming): `POST /v1/audio/speech` with
 * `response_format: "pcm"`, answered with raw 24 kHz mono PCM16 (here 100 ms of a quiet tone per request).
 */
export function openaiSpeech(log: ProviderLog) {
  return async (req: IncomingMessage, res: ServerResponse, body: string, path: string): Promise<boolean> => {
    if (req.method !== 'POST' || path !== '/v1/audio/speech') return false;
    const request = JSON.parse(body) as Record<string, unknown>;
    log.record({
      provider: 'openai-speech',
      path,
      apiKey: req.headers.authorization?.replace(/^Bearer /, ''),
      body: request,
    });
    res.writeHead(200, { 'content-type': 'audio/pcm' });
    res.end(tone(24_000, 100));
    return true;
  };
}
