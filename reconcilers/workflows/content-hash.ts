import { createHash } from 'node:crypto';
import type { WorkflowDefinition } from './render.ts';

const NODE_FIELDS = [
  'id',
  'name',
  'type',
  'typeVersion',
  'position',
  'parameters',
  'credentials',
  'webhookId',
  'alwaysOutputData',
] as const;

/**
 * Hash of what the component owns in a workflow: name, nodes (the fields templates set), connections, and
 * the settings keys the template sets. Fields n8n adds on its own (ids, versions, timestamps) are left out,
 * so a workflow hashes the same before it is sent and after it is read back, until someone edits it.
 */
export function contentHash(workflow: WorkflowDefinition, settingsKeys: string[]): string {
  const nodes = [...workflow.nodes]
    .map((node) => Object.fromEntries(NODE_FIELDS.filter((f) => node[f] !== undefined).map((f) => [f, node[f]])))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const settings = Object.fromEntries(settingsKeys.map((k) => [k, workflow.settings?.[k]]));
  const canonical = canonicalJson({ name: workflow.name, nodes, connections: workflow.connections ?? {}, settings });
  return createHash('sha256').update(canonical).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
