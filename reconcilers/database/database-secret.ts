import { generatePassword, isGeneratedPassword } from '../../controller/platform/database/scram.ts';
import { deleteOwnedSecret, type KubeSecret, readSecret, secretPath } from '../../controller/platform/kube/secrets.ts';
import { isConflict, paths } from '../../controller/runtime/kube-api.ts';
import { API_VERSION } from '../../crds/common.ts';
import type { TenantNames } from '../../crds/names.ts';
import { DEPARTMENT_LABEL, FIELD_MANAGER } from '../../crds/names.ts';
import { DATABASE_SECRET } from '../../crds/secrets.ts';
import type { DepartmentObject, KubeApi } from '../component.ts';

/** The Secret every department gets; deleting it rotates the role's password on the next reconcile. */
export { DATABASE_SECRET };

/** Where department roles connect: the controller's database, as reachable from the department's workloads. */
export interface DatabaseEndpoint {
  host: string;
  port: number;
  database: string;
}

function secretData(endpoint: DatabaseEndpoint, n: TenantNames, password: string): Record<string, string> {
  const url = new URL(`postgresql://${endpoint.host}`);
  url.port = String(endpoint.port);
  url.username = n.role;
  url.password = password;
  url.pathname = `/${encodeURIComponent(endpoint.database)}`;
  const plain = {
    host: endpoint.host,
    port: String(endpoint.port),
    database: endpoint.database,
    user: n.role,
    password,
    schema: n.schema,
    url: url.toString(),
  };
  return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
}

function decoded(secret: KubeSecret, key: string): string | undefined {
  const value = secret.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

function body(department: DepartmentObject, namespace: string, data: Record<string, string>, rv?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: DATABASE_SECRET,
      namespace,
      ...(rv ? { resourceVersion: rv } : {}),
      labels: {
        'app.kubernetes.io/managed-by': 'federation',
        [DEPARTMENT_LABEL]: department.metadata.name,
      },
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: 'Department',
          name: department.metadata.name,
          uid: department.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    type: 'Opaque',
    data,
  };
}

/**
 * Returns the password the department role must have, creating or correcting the Secret when needed.
 * Concurrent callers converge on one password: creation conflicts re-read what the winner wrote.
 */
export async function ensureDatabaseSecret(
  kube: KubeApi,
  department: DepartmentObject,
  namespace: string,
  endpoint: DatabaseEndpoint,
  n: TenantNames,
): Promise<string> {
  const ref = { name: DATABASE_SECRET, namespace };
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await readSecret(kube, ref);
    const current = existing ? decoded(existing, 'password') : undefined;
    const password = current && isGeneratedPassword(current) ? current : generatePassword();
    const data = secretData(endpoint, n, password);
    const upToDate = existing && password === current && Object.keys(data).every((k) => existing.data?.[k] === data[k]);
    if (upToDate) return password;
    try {
      if (existing) {
        const rv = existing.metadata.resourceVersion;
        await kube.replace(secretPath(ref), body(department, namespace, data, rv));
      } else {
        await kube.create(paths.namespacedSecrets(namespace), body(department, namespace, data), FIELD_MANAGER);
      }
      return password;
    } catch (error) {
      if (!isConflict(error)) throw error; // someone else wrote it first: read theirs
    }
  }
  throw new Error(`Secret ${namespace}/${DATABASE_SECRET} kept changing while it was being written`);
}

export async function deleteDatabaseSecret(kube: KubeApi, namespace: string, department: string): Promise<void> {
  await deleteOwnedSecret(kube, { name: DATABASE_SECRET, namespace }, department);
}

/** The endpoint written into department Secrets, from the controller's DATABASE_URL (credentials dropped). */
export function endpointFromUrl(databaseUrl: string): DatabaseEndpoint {
  const url = new URL(databaseUrl);
  return { host: url.hostname, port: Number(url.port || 5432), database: decodeURIComponent(url.pathname.slice(1)) };
}
