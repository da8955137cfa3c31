import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../controller/platform/logging/log.ts';
import { type GatewayTestbed, startTestbed } from '../../e2e/support/gateway.ts';
import { CROSS_DEPT_QUERY } from '../../e2e/support/gateway-requests.ts';
import { waitFor } from '../../e2e/testenv/wait.ts';
import { type RunningGateway, serveGateway } from '../server.ts';

/**
 * Request bodies over real HTTP, where the gateway reads the node request itself (app.request in the other tests
 * takes the web-stream path of the same function).
 */
describe('JSON bodies over HTTP', () => {
  let t: GatewayTestbed;
  let gateway: RunningGateway;
  let token: string;
  let source: string;
  let target: string;

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['bdy', 'bdt'],
    });
    [source, target] = t.departments as [string, string];
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

  it('does finish a request whose client goes away in the middle of its body, and audit it', async () => {
    const { port } = new URL(gateway.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const body = search('budget');
    socket.write(
      `POST ${CROSS_DEPT_QUERY} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token}\r\n` +
        `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 20)}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    // The handler does not wait for an end that never comes: the request ends, as a failure, in the audit trail.
    await waitFor(
      async () => {
        const { rows } = await t.db.pool.query(
          `SELECT 1 FROM federation.cross_dept_audit WHERE source_department_id = $1 AND outcome = 'failed'`,
          [source],
        );
        return rows.length === 1;
      },
      { timeoutMs: 10_000, describe: () => 'no failed request was audited' },
    );
  });
});
