import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { z } from 'zod';

export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** The keys of the Secret a Department's spec.oauth.secretRef names. */
export const oauthClientSecret = z.object({
  client_id: z.string().trim().min(1, 'client_id is empty').max(255),
  client_secret: z.string().min(1, 'client_secret is empty').max(1024),
  refresh_token: z.string().min(1).max(4096).optional(),
  token_uri: z.url({ protocol: /^https?$/, message: 'token_uri is not an http(s) URL' }).default(GOOGLE_TOKEN_URI),
});

export type OAuthClientSecret = z.infer<typeof oauthClientSecret>;

export interface SecretRef {
  name: string;
  namespace: string;
}

/** The Secret, or undefined when it does not exist. */
export async function readSecret(kc: KubeConfig, ref: SecretRef): Promise<V1Secret | undefined> {
  try {
    return await kc.makeApiClient(CoreV1Api).readNamespacedSecret(ref);
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** The Secret's data decoded to strings (stringData is folded into data by the API server). */
export function decodeSecret(secret: V1Secret): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

/** What is wrong with the Secret, naming keys only, never values. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join('.');
      return issue.code === 'invalid_type' ? `${key} is missing` : `${key}: ${issue.message}`;
    })
    .join('; ');
}
