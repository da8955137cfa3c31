import type { ComponentContext, ComponentResult } from '../component.ts';
import type { N8nClient } from './client.ts';
import { WorkflowsReason } from './conditions.ts';
import { CredentialRecord } from './credential-record.ts';
import { deleteUnused } from './credential-sync.ts';
import { observeDepartment } from './observed.ts';
import { deleteWebhookSecret } from './webhook-secret.ts';

/**
 * Removes the department's workflows, then every credential of the department: those the workflows used,
 * those in the component's record, and, from n8n's report of unused credentials, any an interrupted
 * reconcile left unrecorded; then the webhook and record Secrets (unless deletionPolicy is Retain).
 */
export async function deleteWorkflows(ctx: ComponentContext, client: N8nClient): Promise<ComponentResult> {
  const department = ctx.department.metadata.name;
  if (ctx.department.spec.deletionPolicy === 'Retain') {
    return {
      condition: { status: 'False', reason: WorkflowsReason.Retained, message: 'n8n workflows kept (Retain)' },
    };
  }
  const knownIds = Object.values(ctx.department.status?.workflowIds ?? {});
  const [observed, record] = await Promise.all([
    observeDepartment(client, department, knownIds),
    CredentialRecord.read(ctx),
  ]);
  for (const workflow of observed.workflows) await client.deleteWorkflow(workflow.id);
  const credentials = new Set([...observed.credentials.values(), ...[...record.ids.values()].filter(Boolean)]);
  for (const id of credentials) await client.deleteCredential(id);
  const orphans = await deleteUnused(ctx, client, new Set());
  await CredentialRecord.remove(ctx);
  await deleteWebhookSecret(ctx);
  return {
    condition: {
      status: 'False',
      reason: WorkflowsReason.Deleted,
      message: `removed ${observed.workflows.length} workflow(s) and ${credentials.size + orphans.size} credential(s) from n8n`,
    },
    status: { workflowIds: {} },
  };
}
