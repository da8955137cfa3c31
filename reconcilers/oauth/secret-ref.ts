import type { KubeSecret, SecretRef } from '../../controller/platform/kube/secrets.ts';
import { DEPARTMENT_LABEL, namespaceFor, OAUTH_CLIENTS_NAMESPACE } from '../../crds/names.ts';
import { TerminalError } from '../component.ts';
import { OAuthReason } from './conditions.ts';

/**
 * The controller reads Secrets with cluster-wide rights, so a Department may only name its own namespace or the
 * clients namespace (the CRD's CEL rule says the same; this holds for objects stored before it). Checked before
 * the Secret is read.
 */
export function checkSecretRefNamespace(department: string, ref: SecretRef): void {
  if (ref.namespace === namespaceFor(department) || ref.namespace === OAUTH_CLIENTS_NAMESPACE) return;
  throw new TerminalError(
    OAuthReason.SecretRefForbidden,
    `spec.oauth.secretRef may name a Secret in ${namespaceFor(department)} or ${OAUTH_CLIENTS_NAMESPACE}, not in ${ref.namespace}`,
  );
}

/** In the shared clients namespace a Secret serves only the department its label names. */
export function checkSecretOwner(department: string, ref: SecretRef, secret: KubeSecret): void {
  if (ref.namespace !== OAUTH_CLIENTS_NAMESPACE) return;
  if (secret.metadata.labels?.[DEPARTMENT_LABEL] === department) return;
  throw new TerminalError(
    OAuthReason.SecretRefForbidden,
    `Secret ${ref.namespace}/${ref.name} is not labelled ${DEPARTMENT_LABEL}=${department}, so it is not this department's OAuth client`,
  );
}
