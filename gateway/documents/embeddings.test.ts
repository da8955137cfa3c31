import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDING_MODEL, embeddingProvidersFromEnv, endpointFor } from './embeddings.ts';

describe('embeddingProvidersFromEnv', () => {
  it('does enable OpenAI embeddings only with an API key, with its default base URL and model', () => {
    expect(embeddingProvidersFromEnv({})).toEqual({});
    expect(embeddingProvidersFromEnv({ OPENAI_API_KEY: ' ' })).toEqual({});
    expect(embeddingProvidersFromEnv({ OPENAI_API_KEY: 'sk' })).toEqual({
      openai: { baseUrl: 'https://api.openai.com/v1', apiKey: 'sk', model: DEFAULT_EMBEDDING_MODEL },
    });
    expect(
      embeddingProvidersFromEnv({
        OPENAI_API_KEY: 'sk',
        OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
        EMBEDDING_MODEL: 'm',
      }),
    ).toEqual({ openai: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk', model: 'm' } });
  });

  it('does refuse a base URL that is not a URL', () => {
    expect(() => embeddingProvidersFromEnv({ OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: 'not a url' })).toThrow();
  });
});

describe('endpointFor', () => {
  const providers = embeddingProvidersFromEnv({ OPENAI_API_KEY: 'sk' });
  it('does name why a department has no embeddings', () => {
    expect(endpointFor(providers, 'openai')).toHaveProperty('endpoint');
    expect(endpointFor({}, 'openai')).toEqual({ reason: 'this gateway has no OpenAI API key for embeddings' });
    expect(endpointFor(providers, 'cerebras')).toEqual({
      reason: "the department's LLM provider cerebras offers no embeddings API this gateway uses",
    });
  });
});
