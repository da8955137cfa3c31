import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPERATIONS_DIR = fileURLToPath(new URL('./operations', import.meta.url));

/** Names of the GraphQL documents in `operations/`, one operation each. */
export type OperationName =
  | 'deployment'
  | 'domains'
  | 'project'
  | 'project-create'
  | 'project-delete'
  | 'project-update'
  | 'projects'
  | 'service'
  | 'service-create'
  | 'service-delete'
  | 'service-domain-create'
  | 'service-domain-delete'
  | 'service-instance'
  | 'service-instance-deploy'
  | 'service-instance-update'
  | 'variable-collection-upsert'
  | 'variables';

const cache = new Map<OperationName, string>();

export function operation(name: OperationName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(OPERATIONS_DIR, `${name}.graphql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}

export function operationFiles(): string[] {
  return readdirSync(OPERATIONS_DIR)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => join(OPERATIONS_DIR, f));
}
