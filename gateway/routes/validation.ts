import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { fail } from '../middleware/problem/index.ts';

/** Parses external input once, at the edge; a refusal names the first offending field. */
export function parseOr400<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : 'body';
  fail(400, `Invalid request: ${path}: ${issue?.message ?? 'invalid'}.`);
}

/** What a JSON route needs of Hono's context: the request and, on @hono/node-server, the node request. */
interface BodyContext {
  req: { header(name: string): string | undefined; raw: Request };
  env?: unknown;
}

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`);

function tooLarge(maxBytes: number): never {
  fail(413, `The body is larger than ${size(maxBytes)}.`);
}

/**
 * The JSON body: 413 past `maxBytes` (by Content-Length before reading, or while reading a body sent without
 * one), 415 unless it is application/json, 400 when it is not JSON.
 */
export async function jsonBody(c: BodyContext, maxBytes: number): Promise<unknown> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) tooLarge(maxBytes);
  if (!c.req.header('content-type')?.toLowerCase().startsWith('application/json')) {
    fail(415, 'The body must be application/json.');
  }
  const text = await bodyText(c, maxBytes);
  try {
    return JSON.parse(text);
  } catch {
    fail(400, 'Invalid request: body: malformed JSON.');
  }
}

async function bodyText(c: BodyContext, maxBytes: number): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // On @hono/node-server the node request is read as it is. Asking Hono's request for its body builds a WHATWG
  // Request, an AbortController and a web stream over the node stream for every request: measured at about a
  // tenth of the gateway's CPU per search (bench:gateway, profile of the event loop).
  const unread = incoming && typeof incoming.on === 'function' && !incoming.readableEnded;
  // Only while nothing else reads it (a web stream made of it before would be listening for its data).
  if (unread && incoming.listenerCount('data') === 0) return readNode(incoming, maxBytes);
  const reader = c.req.raw.body?.getReader();
  if (!reader) return '';
  const parts: Uint8Array[] = [];
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    read += value.byteLength;
    if (read > maxBytes) {
      await reader.cancel();
      tooLarge(maxBytes);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

function readNode(incoming: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let read = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      done();
      incoming.resume(); // the rest is discarded
      try {
        tooLarge(maxBytes);
      } catch (err) {
        reject(err);
      }
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, read).toString('utf8'));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}
