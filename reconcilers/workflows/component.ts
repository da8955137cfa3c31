import type pg from 'pg';
import { type Component, ComponentError, type ComponentResult } from '../../controller/core/component.ts';
import { applyWorkflows } from './apply.ts';
import { N8nApiError, N8nClient, N8nUnreachableError } from './client.ts';
import { WORKFLOWS_READY } from './conditions.ts';
import { deleteWorkflows } from './delete.ts';

export interface WorkflowsComponentOptions {
  /** Base URL of n8n, e.g. http://127.0.0.1:5678. */
  n8nUrl: string;
  /** A public-API key with the scopes in e2e/testenv/n8n.ts N8N_API_SCOPES. */
  apiKey: string;
  /** Public base of n8n's webhooks when it differs from `${n8nUrl}/webhook`. */
  webhookBaseUrl?: string;
  driftCheckMs?: number;
  requestTimeoutMs?: number;
  /** Called once per n8n API request (the benchmark counts them). */
  onRequest?: (method: string, path: string) => void;
  /** The federation database: the workflow ids are mirrored into federation.departments.n8n_workflow_ids. */
  pool?: Pick<pg.Pool, 'query'>;
}

/** Writes the ids only when they changed, so a steady resync costs one indexed no-op UPDATE. */
async function mirrorWorkflowIds(
  pool: Pick<pg.Pool, 'query'>,
  department: string,
  ids: Record<string, string> | null,
): Promise<void> {
  await pool.query(
    `UPDATE federation.departments SET n8n_workflow_ids = $2::jsonb, updated_at = now()
      WHERE department_id = $1 AND n8n_workflow_ids IS DISTINCT FROM $2::jsonb`,
    [department, ids === null ? null : JSON.stringify(ids)],
  );
}

/** The `workflows` component: the department's n8n workflows and credentials, condition WorkflowsReady. */
export function createWorkflowsComponent(options: WorkflowsComponentOptions): Component {
  const client = new N8nClient({
    url: options.n8nUrl,
    apiKey: options.apiKey,
    timeoutMs: options.requestTimeoutMs,
    onRequest: options.onRequest,
  });
  const settings = {
    client,
    webhookBaseUrl: options.webhookBaseUrl ?? `${options.n8nUrl.replace(/\/+$/, '')}/webhook`,
    driftCheckMs: options.driftCheckMs ?? 5 * 60_000,
  };
  // n8n being down or refusing a request is a ComponentError: the condition names it, the work queue retries.
  const guarded = async (run: () => Promise<ComponentResult>) => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof N8nUnreachableError || error instanceof N8nApiError) {
        throw new ComponentError(error.reason, error.message, { cause: error });
      }
      throw error;
    }
  };
  return {
    name: 'workflows',
    conditionType: WORKFLOWS_READY,
    dependsOn: ['namespace', 'database', 'oauth'],
    apply: (ctx) =>
      guarded(async () => {
        const result = await applyWorkflows(ctx, settings);
        const ids = result.status?.workflowIds;
        if (options.pool && ids) await mirrorWorkflowIds(options.pool, ctx.department.metadata.name, ids);
        return result;
      }),
    // A failed delete must be retried by the controller, so errors propagate here.
    async delete(ctx) {
      const result = await deleteWorkflows(ctx, client);
      if (options.pool) await mirrorWorkflowIds(options.pool, ctx.department.metadata.name, null);
      return result;
    },
  };
}

/** Reads N8N_URL and N8N_API_KEY (and optionally N8N_WEBHOOK_BASE_URL). */
export function workflowsComponentFromEnv(env: NodeJS.ProcessEnv = process.env): Component {
  const n8nUrl = env.N8N_URL;
  const apiKey = env.N8N_API_KEY;
  if (!n8nUrl || !apiKey) throw new Error('the workflows component needs N8N_URL and N8N_API_KEY');
  return createWorkflowsComponent({ n8nUrl, apiKey, webhookBaseUrl: env.N8N_WEBHOOK_BASE_URL });
}
