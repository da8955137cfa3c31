import { KubeConfig } from '@kubernetes/client-node';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import { API_VERSION } from '../../crds/common.ts';
import type { DepartmentSpecInput } from '../../crds/department.ts';
import type { DepartmentObject } from '../../reconcilers/component.ts';
import { waitFor } from './wait.ts';

export function adminClient(kubeconfig: string): RestClient {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return new RestClient(kc);
}

export function departmentManifest(
  name: string,
  labels: Record<string, string>,
  spec: Partial<DepartmentSpecInput> = {},
) {
  return {
    apiVersion: API_VERSION,
    kind: 'Department',
    metadata: { name, labels },
    spec: { displayName: name.toUpperCase(), adminEmail: `${name}@example.com`, enabledTools: [], ...spec },
  };
}

export async function getDepartment(client: RestClient, name: string): Promise<DepartmentObject> {
  return client.get<DepartmentObject>(apiPaths.department(name));
}

/** Waits until the Department satisfies `check`, failing with its last status. */
export async function waitForDepartment(
  client: RestClient,
  name: string,
  check: (d: DepartmentObject) => boolean,
  timeoutMs = 30_000,
): Promise<DepartmentObject> {
  let last: DepartmentObject | undefined;
  await waitFor(
    async () => {
      last = await getDepartment(client, name);
      return check(last);
    },
    {
      timeoutMs,
      intervalMs: 100,
      describe: () => `department ${name} never matched; last: ${JSON.stringify(last?.status)}`,
    },
  );
  return last as DepartmentObject;
}

export function condition(d: DepartmentObject | { status?: { conditions?: { type: string }[] } }, type: string) {
  return (
    d.status?.conditions as
      | {
          type: string;
          status: string;
          reason: string;
          message: string;
          observedGeneration?: number;
          lastTransitionTime: string;
        }[]
      | undefined
  )?.find((c) => c.type === type);
}
