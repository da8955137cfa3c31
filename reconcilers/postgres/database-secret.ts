import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { API_VERSION } from '../../crds/common.ts';
import type { DepartmentObject } from '../component.ts';
import type { TenantNames } from './names.ts';
import { generatePassword, isGeneratedPassword } from './scram.ts';

/** The Secret every department gets; deleting it rotates the role's password on the next reconcile. */
export const DATABASE_SECRET = 'database';

/** Where department roles connect: the controller's database, as reachable from the department's workloads. */
export interface DatabaseEndpoint {
  host: string;
  port: number;
  database: string;
}

function httpCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
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

function decoded(secret: V1Secret, key: string): string | undefined {
  const value = secret.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

function body(department: DepartmentObject, namespace: string, data: Record<string, string>, rv?: string): V1Secret {
  return {
    metadata: {
      name: DATABASE_SECRET,
      namespace,
      ...(rv ? { resourceVersion: rv } : {}),
      labels: {
        'app.kubernetes.io/managed-by': 'federation',
        'federation.synrg.io/department': department.metadata.name,
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
  kubeConfig: KubeConfig,
  department: DepartmentObject,
  namespace: string,
  endpoint: DatabaseEndpoint,
  n: TenantNames,
): Promise<string> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  for (let attempt = 0; attempt < 5; attempt++) {
    let existing: V1Secret | undefined;
    try {
      existing = await api.readNamespacedSecret({ name: DATABASE_SECRET, namespace });
    } catch (error) {
      if (httpCode(error) !== 404) throw error;
    }
    const current = existing ? decoded(existing, 'password') : undefined;
    const password = current && isGeneratedPassword(current) ? current : generatePassword();
    const data = secretData(endpoint, n, password);
    const upToDate = existing && password === current && Object.keys(data).every((k) => existing.data?.[k] === data[k]);
    if (upToDate) return password;
    try {
      if (existing) {
        const rv = existing.metadata?.resourceVersion;
        await api.replaceNamespacedSecret({
          name: DATABASE_SECRET,
          namespace,
          body: body(department, namespace, data, rv),
        });
      } else {
        await api.createNamespacedSecret({ namespace, body: body(department, namespace, data) });
      }
      return password;
    } catch (error) {
      if (httpCode(error) !== 409) throw error; // someone else wrote it first: read theirs
    }
  }
  throw new Error(`Secret ${namespace}/${DATABASE_SECRET} kept changing while it was being written`);
}

export async function deleteDatabaseSecret(kubeConfig: KubeConfig, namespace: string): Promise<void> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  try {
    await api.deleteNamespacedSecret({ name: DATABASE_SECRET, namespace });
  } catch (error) {
    if (httpCode(error) !== 404) throw error;
  }
}
