import type { Tool } from '../../crds/department.ts';
import type { ComponentContext, ComponentResult } from '../component.ts';
import type { N8nClient, N8nWorkflow } from './client.ts';
import { WorkflowsEvent, WorkflowsReason } from './conditions.ts';
import { contentHash } from './content-hash.ts';
import { CredentialRecord } from './credential-record.ts';
import { ensureCredentials, retireCredentials } from './credential-sync.ts';
import {
  type CredentialKind,
  type DesiredCredential,
  googleCredential,
  postgresCredential,
  webhookCredential,
} from './credentials.ts';
import { readDatabaseSecret } from './database-secret.ts';
import { desiredWorkflow } from './desired.ts';
import { googleClientFrom } from './oauth-input.ts';
import { observeDepartment } from './observed.ts';
import { departmentTag, ensureTags, FEDERATION_TAG } from './tags.ts';
import { WORKFLOW_TEMPLATES } from './templates.ts';
import { ensureWebhookSecret } from './webhook-secret.ts';

export interface ApplySettings {
  client: N8nClient;
  /** `<n8n>/webhook`: the agent calls `<webhookBaseUrl>/<department>/<tool>`. */
  webhookBaseUrl: string;
  /** How often a converged department is looked at again for drift. */
  driftCheckMs: number;
  /** The webhook token in Secret n8n-webhook is replaced after this long. */
  webhookTokenMaxAgeMs: number;
  /** Where the Google workflows call Drive and Gmail. */
  googleApiBaseUrl: string;
}

/** Converges the department's credentials and workflows in n8n; n8n errors propagate to the caller. */
export async function applyWorkflows(ctx: ComponentContext, settings: ApplySettings): Promise<ComponentResult> {
  const { client } = settings;
  const department = ctx.department.metadata.name;
  const tools = [...new Set(ctx.department.spec.enabledTools)].sort() as Tool[];
  const sources = await desiredCredentials(ctx, tools, settings);
  if ('condition' in sources) return sources;

  const knownIds = Object.values(ctx.department.status?.workflowIds ?? {});
  const [observed, tagIds, record] = await Promise.all([
    observeDepartment(client, department, knownIds),
    ensureTags(client, [departmentTag(department), FEDERATION_TAG]),
    CredentialRecord.read(ctx),
  ]);
  const plan = await ensureCredentials(ctx, client, sources.credentials, observed.credentials, record);

  const unclaimed = new Map(observed.workflows.map((w) => [w.id, w]));
  const workflowIds: Record<string, string> = {};
  for (const tool of tools) {
    const { spec } = ctx.department;
    const desired = desiredWorkflow(
      tool,
      {
        department,
        displayName: spec.displayName,
        customSettings: spec.customSettings,
        driveFolderId: spec.googleWorkspace?.driveFolderId,
        googleApiBase: settings.googleApiBaseUrl,
      },
      plan.refs,
    );
    const existing = claim(unclaimed, ctx.department.status?.workflowIds?.[tool], desired.name);
    workflowIds[tool] = await converge(ctx, client, desired, existing, tagIds);
  }
  for (const leftover of unclaimed.values()) {
    await client.deleteWorkflow(leftover.id);
    await ctx.events.event('Normal', WorkflowsEvent.Removed, `removed n8n workflow ${leftover.name}`);
  }
  await retireCredentials(ctx, client, plan, record);
  await record.save(ctx);

  return {
    condition: {
      status: 'True',
      reason: WorkflowsReason.Active,
      message: tools.length ? `${tools.length} workflow(s) active in n8n: ${tools.join(', ')}` : 'no tools enabled',
    },
    status: { workflowIds },
    outputs: { workflowIds, webhookBaseUrl: `${settings.webhookBaseUrl}/${department}` },
    requeueAfterMs: Math.max(1000, Math.min(settings.driftCheckMs, sources.rotateAt - Date.now())),
  };
}

/** The workflow this tool had: by the id recorded in status, else by name. */
function claim(unclaimed: Map<string, N8nWorkflow>, id: string | undefined, name: string): N8nWorkflow | undefined {
  const found = (id && unclaimed.get(id)) || [...unclaimed.values()].find((w) => w.name === name);
  if (found) unclaimed.delete(found.id);
  return found;
}

async function converge(
  ctx: ComponentContext,
  client: N8nClient,
  desired: ReturnType<typeof desiredWorkflow>,
  existing: N8nWorkflow | undefined,
  tagIds: string[],
): Promise<string> {
  const settingsKeys = Object.keys(desired.settings);
  if (!existing) {
    const created = await client.createWorkflow(desired);
    await client.setWorkflowTags(created.id, tagIds);
    await client.activateWorkflow(created.id);
    await ctx.events.event('Normal', WorkflowsEvent.Created, `created n8n workflow ${desired.name}`);
    return created.id;
  }
  const drift: string[] = [];
  if (contentHash(existing, settingsKeys) !== contentHash(desired, settingsKeys)) {
    await client.updateWorkflow(existing.id, desired);
    drift.push('content');
  }
  const tags = new Set((existing.tags ?? []).map((t) => t.id));
  if (tagIds.some((id) => !tags.has(id))) {
    await client.setWorkflowTags(existing.id, [...new Set([...tags, ...tagIds])]);
    drift.push('tags');
  }
  if (!existing.active || drift.includes('content')) {
    // An update leaves an active workflow active in some n8n versions and not in others; activating is idempotent.
    await client.activateWorkflow(existing.id);
    if (!existing.active) drift.push('inactive');
  }
  if (drift.length) {
    await ctx.events.event('Warning', WorkflowsEvent.DriftRepaired, `restored ${desired.name} (${drift.join(', ')})`);
  }
  return existing.id;
}

type Sources = { credentials: DesiredCredential[]; rotateAt: number } | ComponentResult;

/**
 * The n8n credentials the department needs: the webhook credential (when a tool is enabled), and those the
 * enabled tools' nodes use, from the department's database Secret and the oauth component's Google client.
 */
async function desiredCredentials(ctx: ComponentContext, tools: Tool[], settings: ApplySettings): Promise<Sources> {
  const department = ctx.department.metadata.name;
  const kinds = new Set<CredentialKind>(tools.flatMap((t) => WORKFLOW_TEMPLATES[t].credentials));
  const credentials: DesiredCredential[] = [];
  let rotateAt = Number.POSITIVE_INFINITY;
  if (kinds.has('webhook')) {
    const webhook = await ensureWebhookSecret(ctx, settings.webhookTokenMaxAgeMs);
    credentials.push(webhookCredential(department, webhook));
    rotateAt = webhook.rotateAt;
  }
  if (kinds.has('postgres')) {
    const db = await readDatabaseSecret(ctx.kube, ctx.namespace);
    if (!db) {
      return notReady(WorkflowsReason.DatabaseSecretMissing, `Secret ${ctx.namespace}/database does not exist yet`);
    }
    credentials.push(postgresCredential(department, db));
  }
  const google = (['googleDrive', 'gmail'] as const).filter((k) => kinds.has(k));
  if (google.length) {
    const client = googleClientFrom(ctx.dependencies);
    if (!client) {
      const needing = tools.filter((t) => WORKFLOW_TEMPLATES[t].credentials.some((k) => google.includes(k as never)));
      return {
        condition: {
          status: 'False',
          reason: WorkflowsReason.OAuthNotConfigured,
          message: `tools ${needing.join(', ')} need Google credentials: set spec.oauth.secretRef`,
        },
      };
    }
    for (const kind of google) credentials.push(googleCredential(department, kind, client));
  }
  return { credentials, rotateAt };
}

function notReady(reason: string, message: string): ComponentResult {
  return { condition: { status: 'False', reason, message }, requeueAfterMs: 15_000 };
}
