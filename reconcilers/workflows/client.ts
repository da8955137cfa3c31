import { z } from 'zod';
import type { WorkflowDefinition, WorkflowNode } from './render.ts';

export interface N8nWorkflow extends WorkflowDefinition {
  id: string;
  active: boolean;
  tags?: { id: string; name: string }[];
}

export interface N8nCredentialSummary {
  id: string;
  name: string;
  type: string;
}

/** n8n did not answer (refused, timed out) or answered 5xx (`status`): worth retrying later. */
export class N8nUnreachableError extends Error {
  readonly reason = 'N8nUnreachable';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** n8n answered with an error the request itself caused (4xx). The message never carries request data. */
export class N8nApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'N8nApiError';
  }
  get reason(): string {
    return this.status === 401 || this.status === 403 ? 'N8nUnauthorized' : 'N8nRejected';
  }
}

export interface N8nClientOptions {
  url: string;
  apiKey: string;
  timeoutMs?: number;
  /** Called once per HTTP request, for the benchmark's calls-per-department count. */
  onRequest?: (method: string, path: string) => void;
}

/** The slice of n8n's public REST API (`/api/v1`, `X-N8N-API-KEY`) the workflows component uses. */
export class N8nClient {
  private readonly base: string;

  constructor(private readonly opts: N8nClientOptions) {
    this.base = `${opts.url.replace(/\/+$/, '')}/api/v1`;
  }

  async listWorkflows(tag: string): Promise<N8nWorkflow[]> {
    return this.paginate<N8nWorkflow>(`/workflows?tags=${encodeURIComponent(tag)}&excludePinnedData=true`);
  }

  /** The workflow, or undefined when n8n has no workflow with that id. */
  async getWorkflow(id: string): Promise<N8nWorkflow | undefined> {
    return this.request<N8nWorkflow>('GET', `/workflows/${encodeURIComponent(id)}`, undefined, { notFound: true });
  }

  createWorkflow(workflow: WorkflowDefinition): Promise<N8nWorkflow> {
    return this.request('POST', '/workflows', writable(workflow)) as Promise<N8nWorkflow>;
  }

  updateWorkflow(id: string, workflow: WorkflowDefinition): Promise<N8nWorkflow> {
    return this.request('PUT', `/workflows/${encodeURIComponent(id)}`, writable(workflow)) as Promise<N8nWorkflow>;
  }

  async setWorkflowTags(id: string, tagIds: string[]): Promise<void> {
    await this.request(
      'PUT',
      `/workflows/${encodeURIComponent(id)}/tags`,
      tagIds.map((tagId) => ({ id: tagId })),
    );
  }

  async activateWorkflow(id: string): Promise<void> {
    await this.request('POST', `/workflows/${encodeURIComponent(id)}/activate`);
  }

  async deactivateWorkflow(id: string): Promise<void> {
    await this.request('POST', `/workflows/${encodeURIComponent(id)}/deactivate`);
  }

  async deleteWorkflow(id: string): Promise<void> {
    await this.request('DELETE', `/workflows/${encodeURIComponent(id)}`, undefined, { notFound: true });
  }

  listTags(): Promise<{ id: string; name: string }[]> {
    return this.paginate('/tags?');
  }

  /** Creates the tag; undefined when it exists already (409). */
  createTag(name: string): Promise<{ id: string; name: string } | undefined> {
    return this.request('POST', '/tags', { name }, { conflict: true });
  }

  /**
   * Every credential no workflow references, from the credentials report of n8n's security audit: the one
   * listing of credentials n8n's public API offers (GET /credentials answers 405). It reads all workflows and
   * the executions of N8N_SECURITY_AUDIT_DAYS_ABANDONED_WORKFLOW days, so it is called only to recover from an
   * interrupted reconcile and when a department is deleted.
   */
  async unusedCredentials(): Promise<{ id: string; name: string }[]> {
    const body = await this.request('POST', '/audit', { additionalOptions: { categories: ['credentials'] } });
    const report = auditReport.parse(body);
    if (Array.isArray(report)) return [];
    const sections = report['Credentials Risk Report']?.sections ?? [];
    const unused = sections.find((s) => s.title === 'Credentials not used in any workflow');
    return (unused?.location ?? []).filter((l) => l.kind === 'credential').map(({ id, name }) => ({ id, name }));
  }

  createCredential(name: string, type: string, data: Record<string, unknown>): Promise<N8nCredentialSummary> {
    return this.request('POST', '/credentials', { name, type, data }) as Promise<N8nCredentialSummary>;
  }

  async deleteCredential(id: string): Promise<void> {
    await this.request('DELETE', `/credentials/${encodeURIComponent(id)}`, undefined, { notFound: true });
  }

  private async paginate<T>(pathWithQuery: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const sep = pathWithQuery.endsWith('?') ? '' : '&';
      const page = (await this.request<{ data: T[]; nextCursor?: string | null }>(
        'GET',
        `${pathWithQuery}${sep}limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )) as { data: T[]; nextCursor?: string | null };
      items.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    allow: { notFound?: boolean; conflict?: boolean } = {},
  ): Promise<T | undefined> {
    this.opts.onRequest?.(method, path);
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          'X-N8N-API-KEY': this.opts.apiKey,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new N8nUnreachableError(`n8n at ${this.opts.url} is unreachable: ${(error as Error).message}`);
    }
    if (response.status === 404 && allow.notFound) return undefined;
    if (response.status === 409 && allow.conflict) return undefined;
    if (response.status >= 500) {
      throw new N8nUnreachableError(`n8n answered ${method} ${routeOf(path)} with ${response.status}`, response.status);
    }
    if (!response.ok) {
      const detail = await response
        .json()
        .then((b) => {
          const message = (b as { message?: unknown }).message;
          return typeof message === 'string' ? message.slice(0, 300) : '';
        })
        .catch(() => '');
      throw new N8nApiError(response.status, `n8n refused ${method} ${routeOf(path)} (${response.status}) ${detail}`);
    }
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

const auditReport = z.union([
  z.array(z.unknown()).max(0),
  z.record(
    z.string(),
    z.object({
      sections: z.array(
        z.object({
          title: z.string(),
          location: z.array(z.object({ kind: z.string(), id: z.string(), name: z.string() }).loose()).optional(),
        }),
      ),
    }),
  ),
]);

/** Only the fields the public API accepts on create/update; anything else is a 400. */
function writable(workflow: WorkflowDefinition): WorkflowDefinition {
  const nodes = workflow.nodes.map((node): WorkflowNode => ({ ...node }));
  return { name: workflow.name, nodes, connections: workflow.connections, settings: workflow.settings };
}

function routeOf(path: string): string {
  return path.split('?')[0] as string;
}
