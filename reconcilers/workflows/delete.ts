import type { ComponentContext, ComponentResult } from '../../controller/core/component.ts';
import type { N8nClient } from './client.ts';
import { WorkflowsReason } from './conditions.ts';
import { observeDepartment } from './observed.ts';

/** Removes the department's workflows and then the credentials they used (unless deletionPolicy is Retain). */
export async function deleteWorkflows(ctx: ComponentContext, client: N8nClient): Promise<ComponentResult> {
  const department = ctx.department.metadata.name;
  if (ctx.department.spec.deletionPolicy === 'Retain') {
    return {
      condition: { status: 'False', reason: WorkflowsReason.Retained, message: 'n8n workflows kept (Retain)' },
    };
  }
  const knownIds = Object.values(ctx.department.status?.workflowIds ?? {});
  const observed = await observeDepartment(client, department, knownIds);
  for (const workflow of observed.workflows) await client.deleteWorkflow(workflow.id);
  for (const id of observed.credentials.values()) await client.deleteCredential(id);
  return {
    condition: {
      status: 'False',
      reason: WorkflowsReason.Deleted,
      message: `removed ${observed.workflows.length} workflow(s) and ${observed.credentials.size} credential(s) from n8n`,
    },
    status: { workflowIds: {} },
  };
}
