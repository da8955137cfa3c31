import { DEPARTMENT_LABEL } from '../../../crds/names.ts';
import { isConflict, isNotFound, type KubeApi, paths } from '../../runtime/kube-api.ts';

export interface SecretRef {
  name: string;
  namespace: string;
}

/** A core/v1 Secret as read from the API server (values base64 in `data`). */
export interface KubeSecret {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; labels?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}

export function secretPath(ref: SecretRef): string {
  return `${paths.namespacedSecrets(ref.namespace)}/${encodeURIComponent(ref.name)}`;
}

/** The Secret, or undefined when it does not exist. */
export async function readSecret(kube: KubeApi, ref: SecretRef): Promise<KubeSecret | undefined> {
  try {
    return await kube.get<KubeSecret>(secretPath(ref));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The Secret's data decoded to strings (stringData is folded into data by the API server). */
export function decodeSecret(secret: KubeSecret): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

/** A Secret's data decoded, or undefined when it does not exist. */
export async function readSecretData(kube: KubeApi, ref: SecretRef): Promise<Record<string, string> | undefined> {
  const secret = await readSecret(kube, ref);
  return secret && decodeSecret(secret);
}

export function encodeData(plain: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
}

/**
 * Deletes a Secret the controller wrote for `department` (it carries the department label), and nothing else: a
 * Secret of the same name someone else keeps there is left alone. The uid precondition makes a Secret replaced
 * between the read and the delete survive too.
 */
export async function deleteOwnedSecret(kube: KubeApi, ref: SecretRef, department: string): Promise<boolean> {
  const secret = await readSecret(kube, ref);
  if (secret?.metadata.labels?.[DEPARTMENT_LABEL] !== department) return false;
  try {
    await kube.delete(secretPath(ref), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      preconditions: { uid: secret.metadata.uid },
    });
    return true;
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return false;
    throw err;
  }
}
