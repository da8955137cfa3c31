import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderLog } from './recorder.ts';

/** Words that mean the same to the stand-in: each group is one dimension of its vectors. */
const CONCEPTS: string[][] = [
  ['leave', 'vacation', 'vacations', 'holiday', 'holidays', 'pto', 'time-off'],
  ['staff', 'employee', 'employees', 'worker', 'workers', 'personnel', 'member', 'members'],
  ['expense', 'expenses', 'receipt', 'receipts', 'reimbursement', 'cost', 'costs', 'spending'],
  ['contract', 'contracts', 'agreement', 'agreements', 'terms'],
  ['revenue', 'sales', 'income', 'earnings'],
];
const STOP = new Set([
  'a',
  'an',
  'and',
  'the',
  'of',
  'for',
  'to',
  'by',
  'do',
  'does',
  'how',
  'many',
  'much',
  'get',
  'per',
  'each',
  'is',
  'are',
  'what',
  'our',
  'we',
]);
export const STAND_IN_DIMENSIONS = 32;

const conceptOf = new Map(CONCEPTS.flatMap((words, i) => words.map((w) => [w, i] as const)));

/** Other words spread over the remaining dimensions by a small string hash. */
function bucket(word: string): number {
  let h = 0;
  for (const ch of word) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return CONCEPTS.length + (h % (STAND_IN_DIMENSIONS - CONCEPTS.length));
}

/** A bag-of-concepts vector: texts that use synonyms from one group point the same way. */
export function standInEmbedding(text: string): number[] {
  const v: number[] = new Array<number>(STAND_IN_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z][a-z-]*/g) ?? []) {
    if (STOP.has(word)) continue;
    const concept = conceptOf.get(word);
    const i = concept ?? bucket(word);
    v[i] = (v[i] ?? 0) + (concept === undefined ? 1 : 3);
  }
  if (!v.some((x) => x !== 0)) v[STAND_IN_DIMENSIONS - 1] = 1;
  return v;
}

/**
 * OpenAI's embeddings API as an OpenAI-compatible client calls it: `POST /v1/embeddings` with `model` and
 * `input` (a string or an array of strings), answered with one `embedding` per input in `data`, by `index`.
 * The vectors come from a synonym table (standInEmbedding), so "holidays" and "vacation" are close.
 */
export function openaiEmbeddings(log: ProviderLog) {
  return async (req: IncomingMessage, res: ServerResponse, body: string, path: string): Promise<boolean> => {
    if (req.method !== 'POST' || path !== '/v1/embeddings') return false;
    const request = JSON.parse(body) as { model?: string; input?: string | string[] };
    log.record({
      provider: 'openai-embeddings',
      path,
      apiKey: req.headers.authorization?.replace(/^Bearer /, ''),
      body: request as Record<string, unknown>,
    });
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    if (!request.model || !Array.isArray(inputs) || inputs.length === 0) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'model and input are required', type: 'invalid_request_error' } }));
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: standInEmbedding(text) })),
        model: request.model,
        usage: { prompt_tokens: 0, total_tokens: 0 },
      }),
    );
    return true;
  };
}
