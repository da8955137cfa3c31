import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** An RFC 9457 problem document (application/problem+json). */
export function problem(c: Context, status: number, detail: string, headers: Record<string, string> = {}): Response {
  const body = { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, instance: c.req.path };
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, {
    ...headers,
    'Content-Type': 'application/problem+json',
  });
}

/**
 * The one place errors become responses. An HTTPException's message is meant for the caller; its cause and
 * anything else thrown are not: they become a bare 500 (reported to `report`, never to the client).
 */
export function problemHandler(report: (err: unknown) => void = () => {}): ErrorHandler {
  return function onError(err, c) {
    if (err instanceof HTTPException) {
      const headers: Record<string, string> = {};
      err.res?.headers.forEach((v, k) => {
        if (k.toLowerCase() !== 'content-type') headers[k] = v;
      });
      return problem(c, err.status, err.message || TITLES[err.status] || 'Error', headers);
    }
    report(err);
    return problem(c, 500, 'The request could not be completed.');
  };
}

export const notFound: NotFoundHandler = (c) => problem(c, 404, 'No such resource.');

/** Throws an HTTPException carrying extra response headers (e.g. Retry-After, WWW-Authenticate). */
export function fail(status: ContentfulStatusCode, message: string, headers?: Record<string, string>): never {
  throw new HTTPException(status, { message, res: headers ? new Response(null, { headers }) : undefined });
}
