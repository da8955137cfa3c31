import { z } from 'zod';
import {
  decodeSecret,
  deleteOwnedSecret,
  encodeData,
  type KubeSecret,
  readSecret,
} from '../../controller/platform/kube/secrets.ts';
import { paths } from '../../controller/runtime/kube-api.ts';
import { DEPARTMENT_LABEL, FIELD_MANAGER } from '../../crds/names.ts';
import type { ComponentContext } from '../component.ts';

/** Secret in dept-<name> listing the n8n credentials this component created for the department. */
export const CREDENTIAL_RECORD_SECRET = 'n8n-credentials';

const PENDING = '';
const entries = z.record(z.string(), z.string());

/**
 * The component's own record of its n8n credentials, by name: the id, or PENDING while a create is under way.
 * n8n's public API can neither list nor update credentials, and workflows reference a credential only once
 * they are updated, so without this record a create interrupted before its use, or a credential left
 * behind after its workflows moved on, could not be found again. An entry is written PENDING before the
 * create call; a PENDING entry found later means that call may or may not have reached n8n (see apply).
 * The ids are not secret; a Secret holds them because the controller may write only Secrets there.
 */
export class CredentialRecord {
  private constructor(
    readonly ids: Map<string, string>,
    private resourceVersion: string | undefined,
    private written: string,
  ) {}

  static async read(ctx: ComponentContext): Promise<CredentialRecord> {
    const secret = await readSecret(ctx.kube, { name: CREDENTIAL_RECORD_SECRET, namespace: ctx.namespace });
    const parsed = entries.safeParse(safeJson(secret ? decodeSecret(secret).credentials : undefined));
    const ids = new Map(Object.entries(parsed.success ? parsed.data : {}));
    return new CredentialRecord(ids, secret?.metadata.resourceVersion, serialize(ids));
  }

  /** Names whose create may have reached n8n without the id coming back. */
  pending(): string[] {
    return [...this.ids].filter(([, id]) => id === PENDING).map(([name]) => name);
  }

  markPending(name: string): void {
    this.ids.set(name, PENDING);
  }

  /** Writes the record when it changed; a concurrent writer makes this fail (retried by the work queue). */
  async save(ctx: ComponentContext): Promise<void> {
    const next = serialize(this.ids);
    if (next === this.written) return;
    const base = paths.namespacedSecrets(ctx.namespace);
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: CREDENTIAL_RECORD_SECRET,
        namespace: ctx.namespace,
        labels: { 'app.kubernetes.io/part-of': 'federation', [DEPARTMENT_LABEL]: ctx.department.metadata.name },
        ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}),
      },
      data: encodeData({ credentials: next }),
    };
    const written = this.resourceVersion
      ? await ctx.kube.mergePatch<KubeSecret>(`${base}/${CREDENTIAL_RECORD_SECRET}`, body, FIELD_MANAGER)
      : await ctx.kube.create<KubeSecret>(base, body, FIELD_MANAGER);
    this.resourceVersion = written.metadata.resourceVersion;
    this.written = next;
  }

  static async remove(ctx: ComponentContext): Promise<void> {
    await deleteOwnedSecret(
      ctx.kube,
      { namespace: ctx.namespace, name: CREDENTIAL_RECORD_SECRET },
      ctx.department.metadata.name,
    );
  }
}

function serialize(ids: Map<string, string>): string {
  return JSON.stringify(Object.fromEntries([...ids].sort(([a], [b]) => a.localeCompare(b))));
}

function safeJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}
