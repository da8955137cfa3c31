import type { ComponentContext, ComponentResult } from '../../controller/core/component.ts';
import { decodeSecret, readSecret } from '../../controller/platform/kube/secrets.ts';
import type { Tool } from '../../crds/department.ts';
import { describeIssues, oauthClientSecret } from '../../crds/secrets.ts';
import type { N8nClient, N8nWorkflow } from './client.ts';
import { WorkflowsEvent, WorkflowsReason } from './conditions.ts';
import { contentHash } from './content-hash.ts';
import { type CredentialKind, type DesiredCredential, googleCredential, postgresCredential } from './credentials.ts';
import { readDatabaseSecret } from './database-secret.ts';
import { type CredentialRefs, desiredWorkflow } from './desired.ts';
import { observeDepartment } from './observed.ts';
import { departmentTag, ensureTags, FEDERATION_TAG } from './tags.ts';
import { WORKFLOW_TEMPLATES } from './templates.ts';

export interface ApplySettings {
  client: N8nClient;
  /** `<n8n>/webhook`: the agent calls `<webhookBaseUrl>/<department>/<tool>`. */
  webhookBaseUrl: string;
  /** How often a converged department is looked at again for drift. */
  driftCheckMs: number;
}

/** Converges the department's credentials and workflows in n8n; n8n errors propagate to the caller. */
export async function applyWorkflows(ctx: ComponentContext, settings: ApplySettings): Promise<ComponentResult> {
  const { client } = settings;
  const department = ctx.department.metadata.name;
  const tools = [...new Set(ctx.department.spec.enabledTools)].sort() as Tool[];
  const sources = await desiredCredentials(ctx, tools);
  if ('condition' in sources) return sources;

  const knownIds = Object.values(ctx.department.status?.workflowIds ?? {});
  const [observed, tagIds] = await Promise.all([
    observeDepartment(client, department, knownIds),
    ensureTags(client, [departmentTag(department), FEDERATION_TAG]),
  ]);

  const refs: CredentialRefs = {};
  for (const credential of sources.credentials) {
    let id = observed.credentials.get(credential.name);
    if (!id) {
      id = (await client.createCredential(credential.name, credential.type, credential.data)).id;
      await ctx.events.event('Normal', WorkflowsEvent.CredentialRotated, `created n8n credential ${credential.name}`);
    }
    refs[credential.kind] = { id, name: credential.name };
  }

  const unclaimed = new Map(observed.workflows.map((w) => [w.id, w]));
  const workflowIds: Record<string, string> = {};
  for (const tool of tools) {
    const desired = desiredWorkflow(tool, { department, displayName: ctx.department.spec.displayName }, refs);
    const existing = claim(unclaimed, ctx.department.status?.workflowIds?.[tool], desired.name);
    workflowIds[tool] = await converge(ctx, client, desired, existing, tagIds);
  }
  for (const leftover of unclaimed.values()) {
    await client.deleteWorkflow(leftover.id);
    await ctx.events.event('Normal', WorkflowsEvent.Removed, `removed n8n workflow ${leftover.name}`);
  }
  const wanted = new Set(sources.credentials.map((c) => c.name));
  for (const [name, id] of observed.credentials) {
    if (!wanted.has(name)) await client.deleteCredential(id);
  }

  return {
    condition: {
      status: 'True',
      reason: WorkflowsReason.Active,
      message: tools.length ? `${tools.length} workflow(s) active in n8n: ${tools.join(', ')}` : 'no tools enabled',
    },
    status: { workflowIds },
    outputs: { workflowIds, webhookBaseUrl: `${settings.webhookBaseUrl}/${department}` },
    requeueAfterMs: settings.driftCheckMs,
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

type Sources = { credentials: DesiredCredential[] } | ComponentResult;

/** The n8n credentials the enabled tools need, from the department's database and OAuth Secrets. */
async function desiredCredentials(ctx: ComponentContext, tools: Tool[]): Promise<Sources> {
  const department = ctx.department.metadata.name;
  const kinds = new Set<CredentialKind>(tools.flatMap((t) => WORKFLOW_TEMPLATES[t].credentials));
  const credentials: DesiredCredential[] = [];
  if (kinds.has('postgres')) {
    const db = await readDatabaseSecret(ctx.kube, ctx.namespace);
    if (!db) {
      return notReady(WorkflowsReason.DatabaseSecretMissing, `Secret ${ctx.namespace}/database does not exist yet`);
    }
    credentials.push(postgresCredential(department, db));
  }
  const google = (['googleDrive', 'gmail'] as const).filter((k) => kinds.has(k));
  if (google.length) {
    const ref = ctx.department.spec.oauth?.secretRef;
    const needing = tools.filter((t) => WORKFLOW_TEMPLATES[t].credentials.some((k) => k !== 'postgres'));
    if (!ref) {
      return {
        condition: {
          status: 'False',
          reason: WorkflowsReason.OAuthNotConfigured,
          message: `tools ${needing.join(', ')} need Google credentials: set spec.oauth.secretRef`,
        },
      };
    }
    const secret = await readSecret(ctx.kube, ref);
    const parsed = secret && oauthClientSecret.safeParse(decodeSecret(secret));
    if (!secret || !parsed?.success) {
      const why = !secret ? 'does not exist' : `is invalid: ${describeIssues(parsed?.error as never)}`;
      return notReady(WorkflowsReason.OAuthSecretInvalid, `OAuth Secret ${ref.namespace}/${ref.name} ${why}`);
    }
    const version = `${secret.metadata?.uid}/${secret.metadata?.resourceVersion}`;
    for (const kind of google) credentials.push(googleCredential(department, kind, { ...parsed.data, version }));
  }
  return { credentials };
}

function notReady(reason: string, message: string): ComponentResult {
  return { condition: { status: 'False', reason, message }, requeueAfterMs: 15_000 };
}
