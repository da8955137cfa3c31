import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ProviderLog } from './recorder.ts';
import { tone } from './tone.ts';

interface CartesiaRequest {
  context_id: string;
  transcript?: string;
  continue?: boolean;
  model_id?: string;
  voice?: { mode: string; id: string };
  output_format: { sample_rate: number };
}

/**
 * Cartesia's `/tts/websocket` as the cartesia plugin speaks it: JSON requests per context, answered with
 * base64 PCM `chunk`s (100 ms of a quiet tone per request), word `timestamps`, and `done` once the context is
 * closed (`continue: false`). Every field of each message is present: the plugin validates them.
 */
export function cartesia(log: ProviderLog) {
  return (ws: WebSocket, req: IncomingMessage) => {
    const apiKey = req.headers['x-api-key'] as string | undefined;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as CartesiaRequest;
      log.record({
        provider: 'cartesia',
        path: '/tts/websocket',
        apiKey,
        body: m as unknown as Record<string, unknown>,
      });
      const ctx = m.context_id;
      const transcript = m.transcript?.trim();
      if (transcript) {
        const pcm = tone(m.output_format.sample_rate, 100);
        ws.send(
          JSON.stringify({
            type: 'chunk',
            data: pcm.toString('base64'),
            done: false,
            status_code: 206,
            step_time: 1,
            context_id: ctx,
          }),
        );
        const words = transcript.split(/\s+/);
        ws.send(
          JSON.stringify({
            type: 'timestamps',
            done: false,
            status_code: 206,
            context_id: ctx,
            word_timestamps: { words, start: words.map((_, i) => i * 0.05), end: words.map((_, i) => i * 0.05 + 0.05) },
          }),
        );
      }
      if (m.continue === false)
        ws.send(JSON.stringify({ type: 'done', done: true, status_code: 206, context_id: ctx }));
    });
  };
}
