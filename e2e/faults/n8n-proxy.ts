import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface N8nProxy {
  url: string;
  /** Called as each request arrives, before it is passed on (a case stops n8n at the moment it wants). */
  onRequest: (method: string, path: string) => void;
  stop(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of n8n for the controller, so the suite can act at an exact request (SIGSTOP
 * n8n as a department's first credential is being created). It changes nothing in the traffic; hand-written
 * because it is a dozen lines of node:http piping.
 */
export async function startN8nProxy(target: string): Promise<N8nProxy> {
  const upstream = new URL(target);
  const proxy: N8nProxy = { url: '', onRequest: () => {}, stop: async () => {} };
  const server = createServer((req, res) => {
    proxy.onRequest(req.method ?? 'GET', req.url ?? '/');
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy(); // the client gave up (timed out): so does the proxy's request
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
