import { z } from 'zod';
import { API_VERSION, kubeName } from '../../crds/common.ts';
import { DEPARTMENT_LABEL, OAUTH_CLIENTS_NAMESPACE } from '../../crds/names.ts';
import { oauthClientSecret } from '../../crds/secrets.ts';

/**
 * The department's Google OAuth client in the provisioning request: the client itself (stored as a labelled
 * Secret in federation-oauth-clients, as an operator would), or a reference to a Secret that already holds one.
 * token_uri is not accepted here: the controller calls it with the client, so only an operator's Secret may
 * name another token endpoint than Google's.
 */
export const oauthClientRequest = z.union(
  [
    oauthClientSecret
      .pick({ client_id: true, client_secret: true, refresh_token: true })
      .strict()
      .describe('The client: client_id, client_secret and optionally the consent’s refresh_token.'),
    z
      .object({
        secret_ref: z
          .object({
            name: kubeName.describe('Name of the Secret.'),
            namespace: kubeName
              .max(63)
              .default(OAUTH_CLIENTS_NAMESPACE)
              .describe(
                `Its namespace: ${OAUTH_CLIENTS_NAMESPACE} (default, labelled for the department) or dept-<id>.`,
              ),
          })
          .strict(),
      })
      .strict()
      .describe('A Secret that already holds the client (keys client_id, client_secret, optional refresh_token).'),
  ],
  { error: 'must be { client_id, client_secret, refresh_token? } or { secret_ref: { name, namespace? } }' },
);
export type OAuthClientRequest = z.infer<typeof oauthClientRequest>;

/** The Secret the facade stores a department's client in (the name operators use: crds/examples/oauth-clients.yaml). */
export function oauthClientSecretName(department: string): string {
  return `${department}-google-oauth`;
}

/**
 * The Secret manifest for a client given inline: labelled for the department (the oauth component serves a
 * Secret in the shared namespace only to the department its label names, and watches the label), and owned by
 * the Department, so it goes when the Department does.
 */
export function oauthClientSecretManifest(
  department: { name: string; uid: string },
  client: { client_id: string; client_secret: string; refresh_token?: string | undefined },
) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: oauthClientSecretName(department.name),
      namespace: OAUTH_CLIENTS_NAMESPACE,
      labels: { [DEPARTMENT_LABEL]: department.name, 'federation.synrg.io/provisioned-by': 'gateway' },
      ownerReferences: [{ apiVersion: API_VERSION, kind: 'Department', name: department.name, uid: department.uid }],
    },
    type: 'Opaque',
    stringData: {
      client_id: client.client_id,
      client_secret: client.client_secret,
      ...(client.refresh_token ? { refresh_token: client.refresh_token } : {}),
    },
  };
}
