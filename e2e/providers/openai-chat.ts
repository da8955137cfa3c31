import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderLog } from './recorder.ts';
import { scriptedReply } from './script.ts';

interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | { type: string; text?: string }[] | null;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

function text(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((p) => p.text ?? '').join('');
}

/**
 * OpenAI's Chat Completions as the openai plugin streams it (also Cerebras' OpenAI-compatible API):
 * `GET /v1/models` and `POST /v1/chat/completions` with `stream: true`, answered as server-sent
 * `chat.completion.chunk`s. A tool call goes out as a first delta naming it, argument deltas, and a final chunk
 * with `finish_reason: "tool_calls"` (the plugin emits the call only then), followed by a usage chunk and [DONE].
 */
export function openaiChat(log: ProviderLog) {
  return async (req: IncomingMessage, res: ServerResponse, body: string, path: string): Promise<boolean> => {
    const apiKey = req.headers.authorization?.replace(/^Bearer /, '');
    if (req.method === 'GET' && path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [] }));
      return true;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') return false;
    const request = JSON.parse(body) as { model: string; messages: ChatMessage[]; stream?: boolean };
    log.record({ provider: 'openai-chat', path, apiKey, body: request as unknown as Record<string, unknown> });
    const lastUser = request.messages.map((m) => m.role).lastIndexOf('user');
    const names = new Map(
      request.messages.flatMap((m) => m.tool_calls ?? []).map((c) => [c.id, c.function.name] as const),
    );
    const reply = scriptedReply({
      lastUserText: text(request.messages[lastUser]?.content),
      toolResults: request.messages
        .slice(lastUser + 1)
        .filter((m) => m.role === 'tool')
        .map((m) => ({ name: names.get(m.tool_call_id ?? '') ?? 'tool', output: text(m.content) })),
    });
    const base = { id: `chatcmpl-${Date.now()}`, object: 'chat.completion.chunk', created: 0, model: request.model };
    const send = (choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
      res.write(`data: ${JSON.stringify({ ...base, choices: choice ? [{ index: 0, ...choice }] : [], ...extra })}\n\n`);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (reply.kind === 'tool_calls') {
      reply.calls.forEach((call, index) => {
        const id = `call_${Date.now()}_${index}`;
        const head = { index, id, type: 'function', function: { name: call.name, arguments: '' } };
        send({ delta: { role: 'assistant', content: null, tool_calls: [head] }, finish_reason: null });
        const args = { index, function: { arguments: JSON.stringify(call.arguments) } };
        send({ delta: { tool_calls: [args] }, finish_reason: null });
      });
      send({ delta: {}, finish_reason: 'tool_calls' });
    } else {
      for (const piece of reply.text.match(/.{1,40}/gs) ?? ['']) {
        send({ delta: { role: 'assistant', content: piece }, finish_reason: null });
      }
      send({ delta: {}, finish_reason: 'stop' });
    }
    send(undefined, { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    res.end('data: [DONE]\n\n');
    return true;
  };
}
