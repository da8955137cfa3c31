import type pg from 'pg';
import { type Component, type ComponentContext, ComponentError, type ComponentResult } from '../component.ts';
import { applyWorkflows } from './apply.ts';
import { N8nApiError, N8nClient, N8nUnreachableError } from './client.ts';
import { WORKFLOWS_READY, WorkflowsEvent, WorkflowsReason } from './conditions.ts';
import { deleteWorkflows } from './delete.ts';
import { N8nHealth, type N8nHealthOptions, type N8nHealthState } from './health.ts';

/** Google's REST APIs (Drive v3, Gmail v1). */
export const GOOGLE_API_BASE_URL = 'https://www.googleapis.com';

export interface WorkflowsComponentOptions {
  /** Base URL of n8n, e.g. http://127.0.0.1:5678. */
  n8nUrl: string;
  /** Where the Google workflows call Drive and Gmail; Google's own API unless a test points them elsewhere. */
  googleApiBaseUrl?: string;
  /** A public-API key with the scopes in n8n-settings.ts N8N_API_SCOPES. */
  apiKey: string;
  /** Public base of n8n's webhooks when it differs from `${n8nUrl}/webhook`. */
  webhookBaseUrl?: string;
  driftCheckMs?: number;
  requestTimeoutMs?: number;
  /** The webhook token in Secret n8n-webhook is replaced after this long (default 30 days). */
  webhookTokenMaxAgeMs?: number;
  /** How n8n's shared readiness check is cached (see N8nHealth). */
  health?: N8nHealthOptions;
  /** While n8n is unavailable, each department looks again after this long (default 30 s). */
  unavailableRetryMs?: number;
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
    webhookTokenMaxAgeMs: options.webhookTokenMaxAgeMs ?? 30 * 24 * 60 * 60_000,
    googleApiBaseUrl: options.googleApiBaseUrl ?? GOOGLE_API_BASE_URL,
  };
  const health = new N8nHealth(options.n8nUrl, {
    ...options.health,
    onProbe: () => options.onRequest?.('GET', '/healthz/readiness'),
  });

  /** n8n is down: the workflows' state is Unknown (not Failed), and the outage is announced once. */
  const unavailable = async (ctx: ComponentContext, state: N8nHealthState): Promise<ComponentResult> => {
    const since = new Date(state.since).toISOString();
    if (health.claimAnnouncement(state)) {
      await ctx.events.event(
        'Warning',
        WorkflowsEvent.Unavailable,
        `n8n at ${options.n8nUrl} is unavailable (${state.detail}); every department's workflows wait for it`,
      );
    }
    const retry = options.unavailableRetryMs ?? 30_000;
    return {
      condition: {
        status: 'Unknown',
        reason: WorkflowsReason.N8nUnavailable,
        message: `n8n at ${options.n8nUrl} has been unavailable since ${since}: ${state.detail}; its workflows are left as they are, checking again in ${Math.round(retry / 1000)} s`,
      },
      requeueAfterMs: retry,
    };
  };

  // Every call to n8n goes through the shared health check first. n8n found unreachable mid-way marks it
  // down for all departments; a request n8n refuses is a ComponentError the work queue retries.
  const guarded = async (ctx: ComponentContext, run: () => Promise<ComponentResult>) => {
    const state = await health.check();
    if (!state.ok) return unavailable(ctx, state);
    if (health.claimAnnouncement(state)) {
      await ctx.events.event('Normal', WorkflowsEvent.Recovered, `n8n at ${options.n8nUrl} is available again`);
    }
    try {
      return await run();
    } catch (error) {
      if (error instanceof N8nUnreachableError) {
        health.markDown(error.status ? `its API answered ${error.status}` : 'its API does not answer');
        return unavailable(ctx, await health.check());
      }
      if (error instanceof N8nApiError) throw new ComponentError(error.reason, error.message, { cause: error });
      throw error;
    }
  };
  return {
    name: 'workflows',
    conditionType: WORKFLOWS_READY,
    dependsOn: ['namespace', 'database', 'oauth'],
    // The workflows are compared with n8n's once per drift check, not on every pass another component needs.
    checkIntervalMs: settings.driftCheckMs,
    apply: (ctx) =>
      guarded(ctx, async () => {
        const result = await applyWorkflows(ctx, settings);
        const ids = result.status?.workflowIds;
        if (options.pool && ids) await mirrorWorkflowIds(options.pool, ctx.department.metadata.name, ids);
        return result;
      }),
    // A delete that did not finish is retried by the controller (an error, or Unknown with a requeue).
    delete: (ctx) =>
      guarded(ctx, async () => {
        const result = await deleteWorkflows(ctx, client);
        if (options.pool) await mirrorWorkflowIds(options.pool, ctx.department.metadata.name, null);
        return result;
      }),
  };
}

/** Reads N8N_URL and N8N_API_KEY (and optionally N8N_WEBHOOK_BASE_URL). */
export function workflowsComponentFromEnv(env: NodeJS.ProcessEnv = process.env): Component {
  const n8nUrl = env.N8N_URL;
  const apiKey = env.N8N_API_KEY;
  if (!n8nUrl || !apiKey) throw new Error('the workflows component needs N8N_URL and N8N_API_KEY');
  return createWorkflowsComponent({ n8nUrl, apiKey, webhookBaseUrl: env.N8N_WEBHOOK_BASE_URL });
}
