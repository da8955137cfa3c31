import type { ComponentContext } from '../component.ts';
import type { N8nClient } from './client.ts';
import { WorkflowsEvent } from './conditions.ts';
import type { CredentialRecord } from './credential-record.ts';
import { credentialPrefix, type DesiredCredential } from './credentials.ts';
import type { CredentialRefs } from './desired.ts';

export interface CredentialPlan {
  /** The credential each kind's nodes reference. */
  refs: CredentialRefs;
  /** Credentials of this department no longer wanted (by name): deleted once the workflows moved on. */
  unwanted: Map<string, string>;
  /** An earlier create may have reached n8n unrecorded: sweep this department's unused credentials at the end. */
  recovering: boolean;
}

/**
 * The department's n8n credentials, created only when missing. Known are those in the record and those the
 * workflows reference. A name still PENDING in the record is a create that may have reached n8n without its id
 * coming back (the controller died, n8n stalled): it is looked for, by its deterministic name, among the
 * credentials n8n reports unused, and reused when found, so a retry never makes a second one.
 */
export async function ensureCredentials(
  ctx: ComponentContext,
  client: N8nClient,
  desired: DesiredCredential[],
  referenced: Map<string, string>,
  record: CredentialRecord,
): Promise<CredentialPlan> {
  const prefix = credentialPrefix(ctx.department.metadata.name);
  const known = new Map([...record.ids].filter(([, id]) => id !== ''));
  for (const [name, id] of referenced) known.set(name, id);
  const pending = record.pending().filter((name) => !known.has(name));
  if (pending.length > 0) {
    for (const c of await client.unusedCredentials()) {
      if (c.name.startsWith(prefix) && !known.has(c.name)) known.set(c.name, c.id);
    }
    for (const name of pending) record.ids.delete(name);
  }
  for (const [name, id] of known) record.ids.set(name, id);

  const missing = desired.filter((c) => !known.has(c.name));
  if (missing.length > 0) {
    for (const c of missing) record.markPending(c.name);
    await record.save(ctx); // before the calls: a create whose answer is lost stays findable
    const created = await Promise.all(missing.map((c) => client.createCredential(c.name, c.type, c.data)));
    for (const [i, c] of missing.entries()) {
      const id = (created[i] as { id: string }).id;
      known.set(c.name, id);
      record.ids.set(c.name, id);
      await ctx.events.event('Normal', WorkflowsEvent.CredentialRotated, `created n8n credential ${c.name}`);
    }
  }

  const wanted = new Set(desired.map((c) => c.name));
  return {
    refs: Object.fromEntries(desired.map((c) => [c.kind, { id: known.get(c.name) as string, name: c.name }])),
    unwanted: new Map([...known].filter(([name]) => !wanted.has(name))),
    recovering: pending.length > 0,
  };
}

/**
 * After the workflows reference the wanted credentials: deletes the unwanted ones and, after a recovery, every
 * other credential of this department no workflow uses (a duplicate whose create landed late).
 */
export async function retireCredentials(
  ctx: ComponentContext,
  client: N8nClient,
  plan: CredentialPlan,
  record: CredentialRecord,
): Promise<void> {
  for (const [name, id] of plan.unwanted) {
    await client.deleteCredential(id);
    record.ids.delete(name);
  }
  if (!plan.recovering) return;
  const inUse = new Set(Object.values(plan.refs).map((r) => r.id));
  const removed = await deleteUnused(ctx, client, inUse);
  for (const [name, id] of record.ids) if (removed.has(id)) record.ids.delete(name);
}

/** Deletes this department's credentials that no workflow uses, except `keep`; returns the deleted ids. */
export async function deleteUnused(ctx: ComponentContext, client: N8nClient, keep: Set<string>): Promise<Set<string>> {
  const prefix = credentialPrefix(ctx.department.metadata.name);
  const orphans = (await client.unusedCredentials()).filter((c) => c.name.startsWith(prefix) && !keep.has(c.id));
  for (const orphan of orphans) await client.deleteCredential(orphan.id);
  if (orphans.length > 0) {
    await ctx.events.event(
      'Normal',
      WorkflowsEvent.OrphansRemoved,
      `deleted ${orphans.length} n8n credential(s) an interrupted reconcile left unused`,
    );
  }
  return new Set(orphans.map((o) => o.id));
}
