import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentReadiness } from '../../crds/agent.ts';

/**
 * A placeholder for the image `federation-stub-agent` (scale benchmarks): answers the agent's /health and /ready
 * contract (crds/agent.ts) for every deployment of it, from one in-process server, so hundreds of Departments can
 * be deployed on one machine without a voice agent process each. It says what it is in every answer.
 */
export const STUB_IMAGE = /(^|\/)federation-stub-agent(:|@|$)/;

export class StubContainers {
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('stub ok');
      const ok = { ok: true, message: 'stub container: no agent runs here' };
      const body: AgentReadiness = {
        status: 'ready',
        checks: { database: ok, gateway: ok, livekit: ok },
        settings: {
          department: 'stub',
          agentName: 'stub container',
          llm: { provider: 'stub', model: 'stub', temperature: 0 },
          stt: { provider: 'stub', model: 'stub' },
          tts: { provider: 'stub', model: 'stub', voice: 'stub' },
          tools: [],
        },
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
