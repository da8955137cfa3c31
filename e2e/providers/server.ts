import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { cartesia } from './cartesia.ts';
import { deepgram, type Utterances } from './deepgram.ts';
import { gemini } from './gemini.ts';
import { openaiChat } from './openai-chat.ts';
import { openaiEmbeddings } from './openai-embeddings.ts';
import { openaiSpeech } from './openai-speech.ts';
import { ProviderLog } from './recorder.ts';

export interface ProviderStandIns {
  /** http://127.0.0.1:<port>: the one server all stand-ins share. */
  url: string;
  /** The variables that point the agent's plugins here (set them in the runtime platform Secret). */
  env: {
    CEREBRAS_BASE_URL: string;
    OPENAI_BASE_URL: string;
    GOOGLE_GEMINI_BASE_URL: string;
    DEEPGRAM_BASE_URL: string;
    CARTESIA_BASE_URL: string;
  };
  log: ProviderLog;
  /** What the Deepgram stand-in hears next, one entry per utterance. */
  utterances: Utterances;
  stop(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, path: string) => Promise<boolean>;

/**
 * Local servers speaking the wire protocols of the providers the agent uses, which cannot be reached from here:
 * OpenAI-compatible Chat Completions (OpenAI and Cerebras) and speech, Gemini, Deepgram streaming STT and
 * Cartesia streaming TTS. The LLMs follow a script (script.ts) so a test's utterance decides the tool call.
 */
export async function startProviderStandIns(port = 0): Promise<ProviderStandIns> {
  const log = new ProviderLog();
  const utterances: Utterances = [];
  const handlers: Handler[] = [openaiChat(log), openaiSpeech(log), openaiEmbeddings(log), gemini(log)];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
      try {
        for (const handle of handlers) if (await handle(req, res, Buffer.concat(chunks).toString('utf8'), path)) return;
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no stand-in for ${req.method} ${path}` } }));
      } catch (e) {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: (e as Error).message } }));
      }
    });
  });
  const sockets = new WebSocketServer({ noServer: true });
  const speechToText = deepgram(log, utterances);
  const textToSpeech = cartesia(log);
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const serve = path === '/v1/listen' ? speechToText : path === '/tts/websocket' ? textToSpeech : undefined;
    if (!serve) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => serve(ws, req));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: {
      CEREBRAS_BASE_URL: `${url}/v1`,
      OPENAI_BASE_URL: `${url}/v1`,
      GOOGLE_GEMINI_BASE_URL: url,
      DEEPGRAM_BASE_URL: url.replace(/^http/, 'ws'),
      CARTESIA_BASE_URL: url,
    },
    log,
    utterances,
    async stop() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
