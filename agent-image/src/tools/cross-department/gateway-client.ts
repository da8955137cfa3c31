import {
  type CrossDeptQueryInput,
  SESSION_ID_MAX,
  type SearchParamsInput,
  type SearchType,
} from '../../../../crds/cross-department-query.ts';
import type { ToolOutcome } from '../tool.ts';
import type { TokenSource } from './token-source.ts';

export interface GatewayQuery {
  target: string;
  queryType: SearchType;
  query: string;
  limit?: number | undefined;
  sessionId: string;
}

/** The body of POST /api/v1/cross-dept/query for one search, in the gateway's own request type. */
export function crossDeptQueryBody(q: GatewayQuery): CrossDeptQueryInput {
  return {
    target_department_id: q.target,
    query_type: q.queryType,
    query_params: searchBody(q.query, q.limit),
    requester_context: { session_id: q.sessionId.slice(0, SESSION_ID_MAX) },
  };
}

/** A search's parameters (and the body of a document search); an unset limit is left to the gateway's default. */
export function searchBody(query: string, limit: number | undefined): SearchParamsInput {
  return limit === undefined ? { query } : { query, limit };
}

/**
 * Cross-department queries through the gateway, authenticated with the department's token. The gateway's
 * refusals (403 without a grant, 404 for an unknown department, 429 over the rate limit) come back as FAILED
 * outcomes with a sentence the LLM can relay, never as exceptions.
 */
export class GatewayClient {
  constructor(private readonly opts: { url: string; department: string; token: TokenSource; timeoutMs?: number }) {}

  async query(q: GatewayQuery, signal: AbortSignal): Promise<ToolOutcome> {
    const sent = await this.post('/api/v1/cross-dept/query', crossDeptQueryBody(q), signal);
    if (!('response' in sent)) return sent.outcome;
    const { response } = sent;
    if (response.ok) {
      const body = (await response.json()) as { results?: unknown[]; results_count?: number; query_id?: string };
      return { status: 'COMPLETED', result: body };
    }
    const problem = await this.problem(response);
    const what = q.queryType.replaceAll('_', ' ');
    switch (response.status) {
      case 403:
        return {
          status: 'FAILED',
          error: `403 ${problem}`,
          say: `The ${q.target} department has not granted ${this.opts.department} access to ${what}, so I cannot look that up.`,
        };
      case 404:
        return { status: 'FAILED', error: `404 ${problem}`, say: `There is no active department called ${q.target}.` };
      case 429: {
        const retry = response.headers.get('retry-after');
        return {
          status: 'FAILED',
          error: `429 ${problem}`,
          say: `Too many cross-department requests right now; try again${retry ? ` in ${retry} seconds` : ' shortly'}.`,
        };
      }
      case 401:
        return {
          status: 'FAILED',
          error: `401 ${problem}`,
          say: 'The gateway did not accept this department’s credentials.',
        };
      default:
        return {
          status: 'FAILED',
          error: `${response.status} ${problem}`,
          say: `The ${q.target} department’s ${what} is unavailable right now.`,
        };
    }
  }

  /**
   * Searches this department's own documents (`vector_store`): the gateway ranks by embeddings when it can and
   * its `note` says plainly when it fell back to full-text search; the answer keeps both.
   */
  async searchOwnDocuments(query: string, limit: number | undefined, signal: AbortSignal): Promise<ToolOutcome> {
    const path = `/api/v1/departments/${encodeURIComponent(this.opts.department)}/documents/search`;
    const sent = await this.post(path, searchBody(query, limit), signal);
    if (!('response' in sent)) return sent.outcome;
    const { response } = sent;
    if (response.ok) {
      const body = (await response.json()) as { search?: string; note?: string; results?: unknown[] };
      return { status: 'COMPLETED', result: { search: body.search, note: body.note, results: body.results ?? [] } };
    }
    const problem = await this.problem(response);
    const retry = response.headers.get('retry-after');
    return {
      status: 'FAILED',
      error: `${response.status} ${problem}`,
      say:
        response.status === 429
          ? `Too many knowledge-store searches right now; try again${retry ? ` in ${retry} seconds` : ' shortly'}.`
          : 'The knowledge store is unavailable right now.',
    };
  }

  /** One POST with the department's token; a 401 is retried once with the token read again. */
  private async post(
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<{ response: Response } | { outcome: ToolOutcome }> {
    let sent = await this.postOnce(path, body, signal);
    if ('response' in sent && sent.response.status === 401) {
      this.opts.token.invalidate(); // the Secret may have been rotated since the token was read
      sent = await this.postOnce(path, body, signal);
    }
    return sent;
  }

  private async postOnce(
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<{ response: Response } | { outcome: ToolOutcome }> {
    const token = this.opts.token.current();
    if (!token) {
      return {
        outcome: { status: 'FAILED', error: 'no gateway token', say: 'Cross-department lookups are not set up here.' },
      };
    }
    try {
      const response = await fetch(`${this.opts.url.replace(/\/+$/, '')}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs ?? 15_000)]),
      });
      return { response };
    } catch (error) {
      return {
        outcome: {
          status: 'FAILED',
          error: `gateway unreachable: ${(error as Error).message}`,
          say: 'Cross-department lookups are unavailable right now.',
        },
      };
    }
  }

  /** The problem+json detail (the gateway's message), bounded. */
  private async problem(response: Response): Promise<string> {
    const text = await response.text();
    try {
      const body = JSON.parse(text) as { detail?: string; title?: string };
      return (body.detail ?? body.title ?? text).slice(0, 300);
    } catch {
      return text.slice(0, 300);
    }
  }
}
