// The Secrets components hand each other and that users provide: their names and the keys they hold.
import { z } from 'zod';

/** The Secret `database` the database component writes into dept-<name>: the department's own login. */
export const DATABASE_SECRET = 'database';

export const databaseSecret = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  database: z.string().min(1),
  user: z.string().min(1),
  password: z.string().min(1),
  schema: z.string().min(1).optional(),
  url: z.string().optional(),
});

export type DatabaseSecretData = z.infer<typeof databaseSecret>;

/** The Secret `gateway-token` in dept-<name>: the department agent's token for the gateway (keys token, url). */
export const GATEWAY_TOKEN_SECRET = 'gateway-token';

export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** The keys of the Secret a Department's spec.oauth.secretRef names. */
export const oauthClientSecret = z.object({
  client_id: z.string().trim().min(1, 'client_id is empty').max(255),
  client_secret: z.string().min(1, 'client_secret is empty').max(1024),
  refresh_token: z.string().min(1).max(4096).optional(),
  token_uri: z.url({ protocol: /^https?$/, message: 'token_uri is not an http(s) URL' }).default(GOOGLE_TOKEN_URI),
});

export type OAuthClientSecret = z.infer<typeof oauthClientSecret>;

/** What is wrong with a Secret's contents, naming keys only, never values. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join('.');
      return issue.code === 'invalid_type' ? `${key} is missing` : `${key}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * The Secret `n8n-webhook` in dept-<name>: the credential every call to the department's n8n webhooks must carry
 * (keys `header`: the header name, `token`: its value). The workflows component creates and rotates it; the
 * runtime component hands it to the department's agent.
 */
export const N8N_WEBHOOK_SECRET = 'n8n-webhook';

/** The header the department's n8n webhooks require (the value of key `header` in Secret `n8n-webhook`). */
export const N8N_WEBHOOK_HEADER = 'X-Federation-Webhook-Token';

export const n8nWebhookSecret = z.object({
  header: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'header is not an HTTP header name'),
  token: z.string().min(32, 'token is shorter than 32 characters').max(256),
});

export type N8nWebhookSecretData = z.infer<typeof n8nWebhookSecret>;
