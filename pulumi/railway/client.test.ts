import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, RailwayClient } from './client.ts';

describe('parseRetryAfter', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('2')).toBe(2000);
  });

  it('reads an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now)).toBe(3000);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('RailwayClient request timeout', () => {
  it('gives up on an attempt Railway never answers, retries, and names the timeout', async () => {
    const requests = await attemptsAgainst(
      () => {}, // never answered
      'Railway projects: network error (no answer within 0.2 s)',
    );
    expect(requests).toBe(2);
  });
  it('retries an answer cut off mid-body at the timeout as a network error', async () => {
    const requests = await attemptsAgainst((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":'); // the rest never comes
    }, 'Railway projects: network error (answer cut off after 0.2 s)');
    expect(requests).toBe(2);
  });
});

/** Requests `projects` (2 attempts, 200 ms each) from a server answering with `answer`; how many requests came. */
async function attemptsAgainst(answer: (res: ServerResponse) => void, error: string): Promise<number> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const client = new RailwayClient({
      url: `http://127.0.0.1:${port}/graphql/v2`,
      token: 't',
      maxAttempts: 2,
      baseDelayMs: 10,
      requestTimeoutMs: 200,
    });
    await expect(client.request('projects', {})).rejects.toThrow(error);
    return requests;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
