import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderLog } from './recorder.ts';
import { scriptedReply } from './script.ts';

interface Part {
  text?: string;
  functionCall?: { id?: string; name: string; args: Record<string, unknown> };
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
}

/**
 * Gemini's generateContent as @google/genai streams it (the google plugin): `GET /v1beta/models` (the
 * prewarm) and `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`, answered as server-sent
 * candidates; every chunk carries `candidates[0].content.parts` (the plugin retries on an empty one).
 */
export function gemini(log: ProviderLog) {
  return async (req: IncomingMessage, res: ServerResponse, body: string, path: string): Promise<boolean> => {
    if (req.method === 'GET' && path === '/v1beta/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: [] }));
      return true;
    }
    const match = /^\/v1beta\/models\/([^:]+):streamGenerateContent$/.exec(path);
    if (req.method !== 'POST' || !match) return false;
    const request = JSON.parse(body) as { contents: { role: string; parts: Part[] }[] };
    const apiKey = req.headers['x-goog-api-key'] as string | undefined;
    log.record({ provider: 'gemini', path, apiKey, body: { model: match[1], ...request } });
    const lastUser = request.contents.findLastIndex((c) => c.role === 'user' && c.parts.some((p) => p.text));
    const reply = scriptedReply({
      lastUserText: (request.contents[lastUser]?.parts ?? []).map((p) => p.text ?? '').join(''),
      toolResults: request.contents
        .slice(lastUser + 1)
        .flatMap((c) => c.parts)
        .flatMap((p) => (p.functionResponse ? [p.functionResponse] : []))
        .map((r) => ({ name: r.name, output: String(r.response.output ?? JSON.stringify(r.response)) })),
    });
    const parts: Part[] =
      reply.kind === 'tool_calls'
        ? reply.calls.map((c, i) => ({
            functionCall: { id: `fc_${Date.now()}_${i}`, name: c.name, args: c.arguments },
          }))
        : [{ text: reply.text }];
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = {
      candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
      modelVersion: match[1],
    };
    res.end(`data: ${JSON.stringify(chunk)}\n\n`);
    return true;
  };
}
