import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface EdgeCertificate {
  /** PEM of the serving certificate (valid for 127.0.0.1 and localhost) and its key. */
  cert: string;
  key: string;
}

/**
 * Railway's edge for one service: HTTPS at the service's domain, forwarded to the port of the deployment that
 * currently serves (502 while none does). Hand-written on node:https because all it does is pipe one request to
 * one loopback port; a proxy library would add nothing here.
 */
export class ServiceEdge {
  private target: number | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** `port` 0 picks a free one; a kept state restarts an edge on the port its domain names. */
  static async start(cert: EdgeCertificate, port = 0): Promise<ServiceEdge> {
    let edge: ServiceEdge | undefined;
    const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      const port = edge?.target;
      if (port === undefined) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('no deployment is serving this service');
        return;
      }
      const upstream = request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('the deployment did not answer');
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    edge = new ServiceEdge(server, (server.address() as AddressInfo).port);
    return edge;
  }

  /** The domain Railway reports for the service; `https://<domain>` reaches this edge. */
  get domain(): string {
    return `127.0.0.1:${this.port}`;
  }

  route(port: number | undefined): void {
    this.target = port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
