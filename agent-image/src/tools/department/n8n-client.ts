import type { ToolOutcome } from '../tool.ts';

export interface N8nWebhookOptions {
  /** `<n8n>/webhook/<department>`: each tool's workflow listens on `<base>/<tool>`. */
  baseUrl: string;
  /** The department's webhook credential (Secret n8n-webhook): header name and value. */
  header?: string;
  token?: string;
  timeoutMs?: number;
}

/** Calls the department's n8n workflows (the webhooks the workflows component renders). */
export class N8nWebhooks {
  constructor(private readonly opts: N8nWebhookOptions) {}

  async call(tool: string, body: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.header && this.opts.token) headers[this.opts.header] = this.opts.token;
    let response: Response;
    try {
      response = await fetch(`${this.opts.baseUrl.replace(/\/+$/, '')}/${tool}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs ?? 30_000)]),
      });
    } catch (error) {
      return {
        status: 'FAILED',
        error: `n8n webhook ${tool} unreachable: ${(error as Error).message}`,
        say: `The ${tool} workflow cannot be reached right now.`,
      };
    }
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok) {
      const detail = (await response.text()).slice(0, 300);
      const say =
        response.status === 401 || response.status === 403
          ? `The ${tool} workflow refused this department's credential.`
          : response.status === 404
            ? `The ${tool} workflow is not active for this department.`
            : `The ${tool} workflow failed (status ${response.status}).`;
      return { status: 'FAILED', error: `n8n webhook ${tool} answered ${response.status}: ${detail}`, say };
    }
    if (type.includes('json')) {
      const text = await response.text();
      return { status: 'COMPLETED', result: text ? (JSON.parse(text) as unknown) : null };
    }
    // A file (the Drive workflows answer with binary): the LLM gets what it is, not its bytes.
    const bytes = (await response.arrayBuffer()).byteLength;
    const disposition = response.headers.get('content-disposition') ?? '';
    const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? null;
    return { status: 'COMPLETED', result: { contentType: type || null, bytes, fileName } };
  }
}
