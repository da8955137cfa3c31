import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../controller/platform/logging/log.ts';
import { type GatewayTestbed, startTestbed } from '../../e2e/support/gateway.ts';
import { CROSS_DEPT_QUERY } from '../../e2e/support/gateway-requests.ts';
import { type RunningGateway, serveGateway } from '../server.ts';

/**
 * Request bodies over real HTTP, where the gateway reads the node request itself (app.request in the other tests
 * takes the web-stream path of the same function).
 */
describe('JSON bodies over HTTP', () => {
  let t: GatewayTestbed;
  let gateway: RunningGateway;
  let token: string;
  let target: string;

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['bdy', 'bdt'],
    });
    const [source, to] = t.departments as [string, string];
    target = to;
    await t.grant('body', { source, target });
    await t.seedDocuments(target, [{ id: 'b1', name: 'Budget', text: 'The budget for the quarter.' }]);
    token = await t.token(source);
    gateway = await serveGateway({
      databaseUrl: t.gatewayUrl,
      kubeConfig: t.kc,
      rateLimitPerMinute: 1000,
      log: createLogger({ component: 'federation-gateway', level: 'error' }),
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await t?.stop();
  });

  const search = (query: string) =>
    JSON.stringify({ target_department_id: target, query_type: 'search_documents', query_params: { query } });

  function post(body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
    return fetch(`${gateway.url}${CROSS_DEPT_QUERY}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);
  }

  /** A body sent in chunks without a Content-Length. */
  const chunked = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let at = 0; at < bytes.length; at += 4096) controller.enqueue(bytes.subarray(at, at + 4096));
        controller.close();
      },
    });

  it('does answer a search whose body comes with a length or in chunks', async () => {
    for (const body of [search('budget'), chunked(search('budget'))]) {
      const res = await post(body);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { results_count: number }).results_count).toBe(1);
    }
  });

  it('does refuse a body over 16 KiB with 413, announced by its length or found while reading', async () => {
    const big = search('x'.repeat(17 * 1024));
    for (const body of [big, chunked(big)]) {
      const res = await post(body);
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { detail: string }).detail).toBe('The body is larger than 16 KiB.');
    }
  });

  it('does refuse another media type with 415 and malformed JSON with 400', async () => {
    expect((await post(search('budget'), { 'content-type': 'text/plain' })).status).toBe(415);
    const malformed = await post('{"target_department_id": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { detail: string }).detail).toBe('Invalid request: body: malformed JSON.');
  });
});
