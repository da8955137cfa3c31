import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AGENT_READY_PATH, type AgentReadiness, agentReadiness } from '../../../crds/agent.ts';

/** What one GET /ready found. */
export type ProbeResult =
  | { kind: 'answered'; httpStatus: number; readiness: AgentReadiness }
  | { kind: 'unreachable'; message: string };

export interface ProbeOptions {
  timeoutMs: number;
  /** Extra CA (PEM) for the agents' domains; the system's roots otherwise. */
  ca?: string | undefined;
}

/** Per agent: the department's gateway token, which unlocks the detail of its /ready. */
export interface ProbeTarget {
  token?: string | undefined;
}

/**
 * GET <deploymentUrl>/ready, bounded by `timeoutMs`. Plain node:http(s) rather than fetch so that a private CA
 * (the local platform's edge) can be passed per request.
 */
export function probeReady(deploymentUrl: string, opts: ProbeOptions & ProbeTarget): Promise<ProbeResult> {
  const url = new URL(AGENT_READY_PATH, deploymentUrl);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'GET',
        timeout: opts.timeoutMs,
        headers: { accept: 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let parsed: ReturnType<typeof agentReadiness.safeParse> | undefined;
          try {
            parsed = agentReadiness.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            parsed = undefined;
          }
          if (parsed?.success && (status === 200 || status === 503)) {
            resolve({ kind: 'answered', httpStatus: status, readiness: parsed.data });
          } else {
            resolve({
              kind: 'unreachable',
              message: `${url.origin}${AGENT_READY_PATH} answered ${status} without a readiness report${
                status === 200 || status === 503
                  ? ' (the agent runs with another gateway token than its Secret holds)'
                  : ''
              }`,
            });
          }
        });
        res.on('error', (e) => resolve({ kind: 'unreachable', message: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({
        kind: 'unreachable',
        message: `${url.origin}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim(),
      }),
    );
    req.end();
  });
}
