import { setTimeout as sleep } from 'node:timers/promises';
import { type OperationName, operation } from './operations.ts';

export interface RailwayClientOptions {
  /** GraphQL endpoint, e.g. https://backboard.railway.com/graphql/v2. */
  url: string;
  token: string;
  /** Attempts per request for 429 and 5xx answers and network errors (default 8). */
  maxAttempts?: number;
  /** First backoff delay in ms, doubled per attempt (default 200). */
  baseDelayMs?: number;
  /** Upper bound of one backoff delay, also of an honoured Retry-After (default 30 s). */
  maxDelayMs?: number;
  /**
   * How long one attempt may wait for Railway's answer before it counts as a network error and is retried
   * (default 30 s). Without it a request Railway never answers would hold the engine run for fetch's own 5-minute
   * timeouts on every attempt.
   */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

/** An answer Railway gave with GraphQL errors; the message is Railway's, never the variables we sent. */
export class RailwayApiError extends Error {
  constructor(
    readonly operationName: string,
    readonly messages: string[],
    readonly status: number,
  ) {
    super(`Railway ${operationName} failed: ${messages.join('; ')}`);
    this.name = 'RailwayApiError';
  }

  get notFound(): boolean {
    return this.messages.some((m) => /not found|does not exist/i.test(m));
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string }[];
}

/** A small typed GraphQL client for Railway with retries on 429 (honouring Retry-After) and 5xx. */
export class RailwayClient {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: RailwayClientOptions) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  async request<T>(name: OperationName, variables: Record<string, unknown>): Promise<T> {
    const body = JSON.stringify({ query: operation(name), variables });
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt<T>(name, body);
      if (outcome.kind === 'done') return outcome.data;
      if (attempt >= this.maxAttempts) throw outcome.error;
      const backoff = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
      const delay = outcome.retryAfterMs === undefined ? backoff : Math.min(this.maxDelayMs, outcome.retryAfterMs);
      await sleep(delay * (outcome.retryAfterMs === undefined ? 0.5 + Math.random() / 2 : 1), undefined, {
        signal: this.options.signal,
      });
    }
  }

  private async attempt<T>(
    name: string,
    body: string,
  ): Promise<{ kind: 'done'; data: T } | { kind: 'retry'; error: Error; retryAfterMs?: number }> {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body,
        signal,
      });
    } catch (cause) {
      if (this.options.signal?.aborted) throw cause;
      const detail = timeout.aborted ? ` (no answer within ${this.requestTimeoutMs / 1000} s)` : '';
      return { kind: 'retry', error: new Error(`Railway ${name}: network error${detail}`, { cause }) };
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel();
      return {
        kind: 'retry',
        error: new RailwayApiError(name, [`HTTP ${res.status}`], res.status),
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      };
    }
    const read = (await res.json().catch(() => undefined)) as GraphQLResponse<T> | undefined;
    if (read === undefined && timeout.aborted && !this.options.signal?.aborted) {
      const error = new Error(
        `Railway ${name}: network error (answer cut off after ${this.requestTimeoutMs / 1000} s)`,
      );
      return { kind: 'retry', error };
    }
    const payload = read ?? {};
    if (payload.errors?.length || !res.ok || !payload.data) {
      const messages = payload.errors?.map((e) => e.message) ?? [`HTTP ${res.status}`];
      throw new RailwayApiError(name, messages, res.status);
    }
    return { kind: 'done', data: payload.data };
  }
}

/** Retry-After as seconds or an HTTP date, in ms. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
