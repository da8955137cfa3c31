/** One request a stand-in served, kept for assertions (what the agent sent the provider). */
export interface ProviderRequest {
  at: string;
  provider: 'openai-chat' | 'openai-speech' | 'openai-embeddings' | 'gemini' | 'deepgram' | 'cartesia';
  path: string;
  /** The API key the client sent (tests check the right provider key reached the right provider). */
  apiKey: string | undefined;
  /** The parsed request body or first message, as sent. */
  body: Record<string, unknown>;
}

export class ProviderLog {
  readonly requests: ProviderRequest[] = [];

  record(entry: Omit<ProviderRequest, 'at'>): void {
    this.requests.push({ at: new Date().toISOString(), ...entry });
  }

  of(provider: ProviderRequest['provider']): ProviderRequest[] {
    return this.requests.filter((r) => r.provider === provider);
  }
}
