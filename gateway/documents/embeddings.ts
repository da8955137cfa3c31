import { z } from 'zod';

/** Where the gateway reaches one provider's embeddings API (the key is sent to that provider only). */
export interface EmbeddingEndpoint {
  /** OpenAI-compatible base URL, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  apiKey: string;
  model: string;
}

/** The department LLM providers whose embeddings API the gateway can call, keyed by spec.llm.provider. */
export type EmbeddingProviders = Partial<Record<'openai', EmbeddingEndpoint>>;

export const DEFAULT_EMBEDDING_MODEL = 'text-embedding-3-small';

/** A provider answer the gateway could not use; the message names the provider and status, never the key. */
export class EmbeddingFailed extends Error {}

const answer = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()).min(1) })),
  model: z.string().optional(),
});

/** Inputs per request (OpenAI accepts up to 2048; smaller batches keep each request well under its size limit). */
const BATCH = 64;

/** The endpoint for a department's LLM provider, or a sentence saying why it has none. */
export function endpointFor(
  providers: EmbeddingProviders,
  provider: string,
): { endpoint: EmbeddingEndpoint } | { reason: string } {
  const endpoint = provider === 'openai' ? providers.openai : undefined;
  if (endpoint) return { endpoint };
  if (provider === 'openai') return { reason: 'this gateway has no OpenAI API key for embeddings' };
  return { reason: `the department's LLM provider ${provider} offers no embeddings API this gateway uses` };
}

/** Embeds texts through an OpenAI-compatible `POST /embeddings`, in order, one vector per text. */
export async function embed(endpoint: EmbeddingEndpoint, texts: string[], signal?: AbortSignal): Promise<number[][]> {
  const vectors: number[][] = [];
  for (let i = 0; i < texts.length; i += BATCH) {
    const batch = texts.slice(i, i + BATCH);
    const response = await fetch(`${endpoint.baseUrl.replace(/\/+$/, '')}/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${endpoint.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: endpoint.model, input: batch, encoding_format: 'float' }),
      signal: AbortSignal.any([AbortSignal.timeout(30_000), ...(signal ? [signal] : [])]),
    }).catch((error: Error) => {
      throw new EmbeddingFailed(`the embeddings API is unreachable (${error.name})`);
    });
    if (!response.ok) throw new EmbeddingFailed(`the embeddings API answered HTTP ${response.status}`);
    const parsed = answer.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success || parsed.data.data.length !== batch.length) {
      throw new EmbeddingFailed('the embeddings API answered with an unexpected body');
    }
    const byIndex = [...parsed.data.data].sort((a, b) => a.index - b.index);
    vectors.push(...byIndex.map((d) => d.embedding));
  }
  const dimensions = vectors[0]?.length;
  if (vectors.some((v) => v.length !== dimensions)) {
    throw new EmbeddingFailed('the embeddings API answered vectors of different lengths');
  }
  return vectors;
}

/**
 * The embeddings APIs the gateway process may call, from its environment: OPENAI_API_KEY (and OPENAI_BASE_URL,
 * EMBEDDING_MODEL) enables embeddings for departments whose LLM provider is openai.
 */
export function embeddingProvidersFromEnv(env: NodeJS.ProcessEnv): EmbeddingProviders {
  const key = env.OPENAI_API_KEY?.trim();
  if (!key) return {};
  return {
    openai: {
      baseUrl: z.url().parse(env.OPENAI_BASE_URL?.trim() || 'https://api.openai.com/v1'),
      apiKey: key,
      model: env.EMBEDDING_MODEL?.trim() || DEFAULT_EMBEDDING_MODEL,
    },
  };
}
