import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ProviderLog } from './recorder.ts';

/** What the Deepgram stand-in transcribes each utterance as, in order (tests push; empty: "hello"). */
export type Utterances = string[];

/**
 * Deepgram's streaming `/v1/listen` as the deepgram plugin speaks it: binary PCM16 frames in, JSON out. After
 * about 300 ms of audio it reports SpeechStarted and one final Results message (`speech_final`, with the
 * `metadata.request_id` the plugin requires) carrying the next scripted utterance; the rest of that burst of
 * audio is the same utterance, and audio after a pause of a second is the next one.
 */
export function deepgram(log: ProviderLog, utterances: Utterances) {
  return (ws: WebSocket, req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    log.record({
      provider: 'deepgram',
      path: url.pathname,
      apiKey: req.headers.authorization?.replace(/^Token /, ''),
      body: Object.fromEntries(url.searchParams),
    });
    const sampleRate = Number(url.searchParams.get('sample_rate') ?? 16000);
    let bytes = 0;
    let lastAudio = 0;
    let answered = false;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        if ((JSON.parse(data.toString()) as { type?: string }).type === 'CloseStream') ws.close(1000);
        return;
      }
      // The plugin sends no silent frames: a gap in the audio ends an utterance, the next audio starts another.
      const now = Date.now();
      if (now - lastAudio > 1_000) {
        bytes = 0;
        answered = false;
      }
      lastAudio = now;
      bytes += (data as Buffer).length;
      if (answered || bytes < sampleRate * 2 * 0.3) return;
      answered = true;
      const transcript = utterances.shift() ?? 'hello';
      const words = transcript.split(/\s+/).map((w, i) => ({
        word: w.toLowerCase(),
        punctuated_word: w,
        start: i * 0.2,
        end: i * 0.2 + 0.2,
        confidence: 0.99,
      }));
      ws.send(JSON.stringify({ type: 'SpeechStarted', channel: [0], timestamp: 0 }));
      ws.send(
        JSON.stringify({
          type: 'Results',
          channel_index: [0, 1],
          duration: words.length * 0.2,
          start: 0,
          is_final: true,
          speech_final: true,
          from_finalize: false,
          channel: { alternatives: [{ transcript, confidence: 0.99, words }] },
          metadata: { request_id: `req-${Date.now()}`, model_info: { name: url.searchParams.get('model') } },
        }),
      );
    });
  };
}
