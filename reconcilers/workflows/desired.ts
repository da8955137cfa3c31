import { createHash } from 'node:crypto';
import type { Tool } from '../../crds/department.ts';
import { tenantSchemaFor } from '../../crds/names.ts';
import type { CredentialKind } from './credentials.ts';
import { DATABASE_TOOL_TABLES } from './database-tables.ts';
import { render, type WorkflowDefinition } from './render.ts';
import { loadTemplate, WORKFLOW_TEMPLATES } from './templates.ts';

export interface DepartmentFacts {
  department: string;
  displayName: string;
  /** spec.customSettings; templates receive it as one JSON object (agent-context answers with it). */
  customSettings?: Record<string, unknown> | undefined;
  /** spec.googleWorkspace.driveFolderId: the folder the Drive workflow indexes ('' for every file it can see). */
  driveFolderId?: string | undefined;
  /** Where the Google workflows call Drive and Gmail (https://www.googleapis.com). */
  googleApiBase: string;
}

export type CredentialRefs = Partial<Record<CredentialKind, { id: string; name: string }>>;

/** The workflow for one tool, rendered from its template with the department's values as data. */
export function desiredWorkflow(tool: Tool, facts: DepartmentFacts, credentials: CredentialRefs): WorkflowDefinition {
  const variables: Record<string, string> = {
    department: facts.department,
    displayName: facts.displayName,
    // Department names are validated DNS labels; quoting keeps the identifier exact all the same.
    tenantSchema: `"${tenantSchemaFor(facts.department).replaceAll('"', '""')}"`,
    webhookPath: `${facts.department}/${tool}`,
    webhookId: stableUuid(`${facts.department}/${tool}`),
    databaseTables: DATABASE_TOOL_TABLES.join(','),
    customSettings: JSON.stringify(facts.customSettings ?? {}),
    driveFolderId: facts.driveFolderId ?? '',
    googleApiBase: facts.googleApiBase.replace(/\/+$/, ''),
  };
  for (const kind of WORKFLOW_TEMPLATES[tool].credentials) {
    const ref = credentials[kind];
    if (!ref) continue; // render() then reports the template's use of it as unknown
    variables[`${kind}CredentialId`] = ref.id;
    variables[`${kind}CredentialName`] = ref.name;
  }
  return render(loadTemplate(tool), variables);
}

/** A UUID-shaped id derived from a name, so re-rendering yields the same webhook id. */
function stableUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
