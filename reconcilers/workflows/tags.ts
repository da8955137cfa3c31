import { createHash } from 'node:crypto';
import type { N8nClient } from './client.ts';

export const FEDERATION_TAG = 'aio-federation';
const TAG_MAX = 24; // n8n's limit on a tag name

/** The department's tag: its name, or for names longer than n8n allows, a prefix plus a hash. */
export function departmentTag(department: string): string {
  if (department.length <= TAG_MAX) return department;
  const hash = createHash('sha256').update(department).digest('hex').slice(0, 8);
  return `${department.slice(0, TAG_MAX - 9)}-${hash}`;
}

/** Ids of the named tags, creating the missing ones (another reconcile may create one concurrently). */
export async function ensureTags(client: N8nClient, names: string[]): Promise<string[]> {
  let known = new Map((await client.listTags()).map((t) => [t.name, t.id]));
  for (const name of names) {
    if (known.has(name)) continue;
    const created = await client.createTag(name);
    if (created) known.set(name, created.id);
    else known = new Map((await client.listTags()).map((t) => [t.name, t.id]));
    if (!known.has(name)) throw new Error(`n8n tag ${name} could neither be created nor found`);
  }
  return names.map((n) => known.get(n) as string);
}
