import { randomBytes } from 'node:crypto';
import {
  decodeSecret,
  deleteOwnedSecret,
  encodeData,
  type KubeSecret,
  readSecret,
} from '../../controller/platform/kube/secrets.ts';
import { paths } from '../../controller/runtime/kube-api.ts';
import { DEPARTMENT_LABEL, FIELD_MANAGER } from '../../crds/names.ts';
import { N8N_WEBHOOK_HEADER, N8N_WEBHOOK_SECRET, n8nWebhookSecret } from '../../crds/secrets.ts';
import type { ComponentContext } from '../component.ts';
import { WorkflowsEvent } from './conditions.ts';

const ROTATED_AT = 'federation.synrg.io/rotated-at';

/** The header and value every call to the department's webhooks must carry. */
export interface WebhookCredential {
  header: string;
  token: string;
  /** The Secret's uid and resourceVersion: a rotation is a new version, and so a new n8n credential. */
  version: string;
  /** When the token is rotated next. */
  rotateAt: number;
}

type SecretWithAnnotations = KubeSecret & {
  metadata: KubeSecret['metadata'] & { annotations?: Record<string, string> };
};

/**
 * Secret `n8n-webhook` in dept-<name>: created with a random token when missing, replaced when malformed or
 * older than `maxAgeMs`. Deleting the Secret is how a person rotates the token at once.
 */
export async function ensureWebhookSecret(ctx: ComponentContext, maxAgeMs: number): Promise<WebhookCredential> {
  const ref = { name: N8N_WEBHOOK_SECRET, namespace: ctx.namespace };
  const existing = (await readSecret(ctx.kube, ref)) as SecretWithAnnotations | undefined;
  const parsed = existing && n8nWebhookSecret.safeParse(decodeSecret(existing));
  const rotatedAt = Date.parse(existing?.metadata.annotations?.[ROTATED_AT] ?? '');
  if (existing && parsed?.success && Number.isFinite(rotatedAt) && Date.now() - rotatedAt < maxAgeMs) {
    return { ...parsed.data, version: versionOf(existing), rotateAt: rotatedAt + maxAgeMs };
  }
  const now = new Date();
  const data = { header: N8N_WEBHOOK_HEADER, token: randomBytes(32).toString('base64url') };
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: N8N_WEBHOOK_SECRET,
      namespace: ctx.namespace,
      labels: { 'app.kubernetes.io/part-of': 'federation', [DEPARTMENT_LABEL]: ctx.department.metadata.name },
      annotations: { [ROTATED_AT]: now.toISOString() },
      ...(existing ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    data: encodeData(data),
  };
  const path = paths.namespacedSecrets(ctx.namespace);
  const written = existing
    ? await ctx.kube.mergePatch<KubeSecret>(`${path}/${N8N_WEBHOOK_SECRET}`, body, FIELD_MANAGER)
    : await ctx.kube.create<KubeSecret>(path, body, FIELD_MANAGER);
  if (existing) {
    const why = !parsed?.success ? 'it was malformed' : `it was older than ${Math.round(maxAgeMs / 86_400_000)} day(s)`;
    await ctx.events.event('Normal', WorkflowsEvent.WebhookTokenRotated, `rotated the n8n webhook token (${why})`);
  }
  return { ...data, version: versionOf(written), rotateAt: now.getTime() + maxAgeMs };
}

export async function deleteWebhookSecret(ctx: ComponentContext): Promise<void> {
  await deleteOwnedSecret(
    ctx.kube,
    { namespace: ctx.namespace, name: N8N_WEBHOOK_SECRET },
    ctx.department.metadata.name,
  );
}

function versionOf(secret: KubeSecret): string {
  return `${secret.metadata.uid}/${secret.metadata.resourceVersion}`;
}
