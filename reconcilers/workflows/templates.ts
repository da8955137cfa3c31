import { readFileSync } from 'node:fs';
import type { Tool } from '../../crds/department.ts';
import type { CredentialKind } from './credentials.ts';
import type { WorkflowDefinition } from './render.ts';

export interface WorkflowTemplate {
  file: string;
  /** Credentials the workflow's nodes reference (every Webhook node requires the department's header). */
  credentials: CredentialKind[];
}

/** One workflow per tool in spec.enabledTools. */
export const WORKFLOW_TEMPLATES: Record<Tool, WorkflowTemplate> = {
  google_drive: { file: 'google-drive-repo.json', credentials: ['webhook', 'postgres', 'googleDrive'] },
  email: { file: 'email-sender.json', credentials: ['webhook', 'gmail', 'postgres'] },
  database: { file: 'database-query.json', credentials: ['webhook', 'postgres'] },
  vector_store: { file: 'vector-store.json', credentials: ['webhook', 'postgres'] },
  agent_context: { file: 'agent-context.json', credentials: ['webhook', 'postgres'] },
  file_download_email: { file: 'file-download-email.json', credentials: ['webhook', 'googleDrive', 'gmail'] },
};

const cache = new Map<string, WorkflowDefinition>();

/** The parsed template; callers get a shared object and must not mutate it (render() copies). */
export function loadTemplate(tool: Tool): WorkflowDefinition {
  const file = WORKFLOW_TEMPLATES[tool].file;
  let template = cache.get(file);
  if (!template) {
    template = JSON.parse(readFileSync(new URL(`./templates/${file}`, import.meta.url), 'utf8')) as WorkflowDefinition;
    cache.set(file, template);
  }
  return template;
}
