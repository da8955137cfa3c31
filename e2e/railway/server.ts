import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { execute, type GraphQLError, getOperationAST, parse, validate } from 'graphql';
import { RailwayFaults } from './faults.ts';
import { createRootValue } from './resolvers.ts';
import type { AgentRunner } from './runner.ts';
import { railwaySchema } from './schema.ts';
import { loadSnapshot, saveSnapshot } from './snapshot.ts';
import { RailwayState } from './state.ts';

export interface RequestLogEntry {
  at: string;
  operationName: string | undefined;
  /** The variables as sent; tests check secrets appear only where secret values belong. */
  variables: Record<string, unknown>;
  /** HTTP status answered. */
  status: number;
  errors?: string[];
}

export interface RailwayServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Bearer token clients must send (default: any non-empty token). */
  token?: string;
  /** Keeps the state in this file (loaded at start, written after every mutation), for `npm start`'s kept state. */
  stateFile?: string;
  /** Runs deployments of the agent image as processes behind HTTPS domains (npm start, agent tests). */
  runner?: AgentRunner;
  /** Count calls by operation without keeping each request (a long-running local platform). */
  countOnly?: boolean;
}

export interface RailwayServer {
  /** GraphQL endpoint, the value for RAILWAY_API_URL. */
  url: string;
  state: RailwayState;
  faults: RailwayFaults;
  requestLog: RequestLogEntry[];
  runner?: AgentRunner | undefined;
  stop(): Promise<void>;
}

/**
 * A Railway-compatible GraphQL server for tests and `npm start`: Railway's published schema, in-memory state,
 * deployments progressing QUEUED -> BUILDING -> DEPLOYING -> SUCCESS, fault injection and a request log.
 * Every operation is validated against the schema before it runs.
 */
export async function startRailwayServer(options: RailwayServerOptions = {}): Promise<RailwayServer> {
  const schema = railwaySchema();
  const state = options.stateFile ? loadSnapshot(options.stateFile) : new RailwayState();
  const faults = new RailwayFaults();
  const rootValue = createRootValue(state, faults, options.runner);
  const requestLog: RequestLogEntry[] = [];
  const counts: Record<string, number> = {};

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    // Not Railway's: what benchmarks read of a server running in another process (calls by operation).
    if (req.method === 'GET' && req.url === '/_stats') return send(200, { operations: counts });
    if (req.method !== 'POST') return send(405, { errors: [{ message: 'POST a GraphQL request' }] });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(400, { errors: [{ message: 'request body is not JSON' }] });
    }
    const entry: RequestLogEntry = {
      at: new Date().toISOString(),
      operationName: body.operationName,
      variables: body.variables ?? {},
      status: 200,
    };
    if (!options.countOnly) requestLog.push(entry);
    const answer = (status: number, payload: unknown, headers?: Record<string, string>) => {
      entry.status = status;
      const errors = (payload as { errors?: { message: string }[] }).errors;
      if (errors) entry.errors = errors.map((e) => e.message);
      send(status, payload, headers);
    };

    if (faults.hang) return; // held until the client gives up
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!token || (options.token && token !== options.token)) {
      return answer(200, { data: null, errors: [{ message: 'Not Authorized' }] });
    }
    let document: ReturnType<typeof parse>;
    try {
      document = parse(body.query ?? '');
    } catch (e) {
      return answer(400, { errors: [{ message: (e as GraphQLError).message }] });
    }
    entry.operationName ??= getOperationAST(document, body.operationName)?.name?.value;
    const op = entry.operationName ?? 'anonymous';
    counts[op] = (counts[op] ?? 0) + 1;
    const invalid = validate(schema, document);
    if (invalid.length) return answer(400, { errors: invalid.map((e) => ({ message: e.message })) });

    const fault = faults.takeHttpFault(entry.operationName);
    if (fault) {
      const retryAfter = fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined);
      const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
      return answer(fault.status, { errors: [{ message: `injected fault ${fault.status}` }] }, headers);
    }
    const result = await execute({
      schema,
      document,
      rootValue,
      variableValues: body.variables,
      operationName: body.operationName,
    });
    if (options.stateFile && getOperationAST(document, body.operationName)?.operation === 'mutation') {
      saveSnapshot(state, options.stateFile);
    }
    answer(200, {
      data: result.data ?? null,
      ...(result.errors ? { errors: result.errors.map((e) => ({ message: e.message })) } : {}),
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: e instanceof Error ? e.message : 'internal error' }] }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/graphql/v2`,
    state,
    faults,
    requestLog,
    runner: options.runner,
    stop: async () => {
      await options.runner?.stop();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      });
    },
  };
}
