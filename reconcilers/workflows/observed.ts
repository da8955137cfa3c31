import type { N8nClient, N8nWorkflow } from './client.ts';
import { credentialPrefix } from './credentials.ts';
import { departmentTag } from './tags.ts';

/**
 * The department's workflows as n8n has them: everything carrying its tag, plus the ids in status that
 * lost the tag (an edit in the UI); and the credentials of this component those workflows reference.
 * n8n's public API cannot list credentials, so the workflows are the record of which ones exist.
 */
export async function observeDepartment(
  client: N8nClient,
  department: string,
  knownIds: string[],
): Promise<{ workflows: N8nWorkflow[]; credentials: Map<string, string> }> {
  const workflows = await client.listWorkflows(departmentTag(department));
  const seen = new Set(workflows.map((w) => w.id));
  for (const id of knownIds) {
    if (seen.has(id)) continue;
    const workflow = await client.getWorkflow(id);
    if (workflow) workflows.push(workflow);
  }
  const credentials = new Map<string, string>();
  const prefix = credentialPrefix(department);
  for (const node of workflows.flatMap((w) => w.nodes ?? [])) {
    for (const ref of Object.values(node.credentials ?? {})) {
      if (ref?.name?.startsWith(prefix) && ref.id) credentials.set(ref.name, ref.id);
    }
  }
  return { workflows, credentials };
}
