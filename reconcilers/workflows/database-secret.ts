import { decodeSecret, readSecret } from '../../controller/platform/kube/secrets.ts';
import type { KubeApi } from '../../controller/runtime/kube-api.ts';
import {
  DATABASE_SECRET as DATABASE_SECRET_NAME,
  type DatabaseSecretData,
  databaseSecret,
  describeIssues,
} from '../../crds/secrets.ts';

export type DatabaseSecret = DatabaseSecretData & { version: string };

/** The department's database login, with a version that changes whenever the Secret does. */
export async function readDatabaseSecret(kube: KubeApi, namespace: string): Promise<DatabaseSecret | undefined> {
  const secret = await readSecret(kube, { name: DATABASE_SECRET_NAME, namespace });
  if (!secret) return undefined;
  const parsed = databaseSecret.safeParse(decodeSecret(secret));
  if (!parsed.success) {
    throw new Error(`Secret ${namespace}/${DATABASE_SECRET_NAME} is malformed: ${describeIssues(parsed.error)}`);
  }
  return { ...parsed.data, version: `${secret.metadata.uid}/${secret.metadata.resourceVersion}` };
}
