import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { decodeSecret, describeIssues, readSecret } from '../oauth/secret.ts';

/** The Secret `database` the database component writes into dept-<name>: the department's own login. */
export const DATABASE_SECRET_NAME = 'database';

export const databaseSecret = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  database: z.string().min(1),
  user: z.string().min(1),
  password: z.string().min(1),
  schema: z.string().min(1).optional(),
});

export type DatabaseSecret = z.infer<typeof databaseSecret> & { version: string };

/** The department's database login, with a version that changes whenever the Secret does. */
export async function readDatabaseSecret(kc: KubeConfig, namespace: string): Promise<DatabaseSecret | undefined> {
  const secret = await readSecret(kc, { name: DATABASE_SECRET_NAME, namespace });
  if (!secret) return undefined;
  const parsed = databaseSecret.safeParse(decodeSecret(secret));
  if (!parsed.success) {
    throw new Error(`Secret ${namespace}/${DATABASE_SECRET_NAME} is malformed: ${describeIssues(parsed.error)}`);
  }
  return { ...parsed.data, version: `${secret.metadata?.uid}/${secret.metadata?.resourceVersion}` };
}
