import type { KubeConfig } from '@kubernetes/client-node';
import { paths, RestClient } from '../../controller/platform/kube/rest-client.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import { API_VERSION } from '../../crds/common.ts';
import type { DepartmentObject, DepartmentSpecInput } from '../../crds/department.ts';
import { OAUTH_CLIENTS_NAMESPACE } from '../../crds/names.ts';
import type { oauthClientSecretManifest } from './oauth-client.ts';

const FIELD_MANAGER = 'federation-gateway';

/**
 * The only Kubernetes calls the gateway makes (its ServiceAccount may create, get and delete Departments, and
 * create a department's OAuth client Secret in federation-oauth-clients).
 */
export interface DepartmentClient {
  create(name: string, spec: DepartmentSpecInput, labels: Record<string, string>): Promise<DepartmentObject>;
  get(name: string): Promise<DepartmentObject>;
  delete(name: string): Promise<void>;
  createOAuthClientSecret(secret: ReturnType<typeof oauthClientSecretManifest>): Promise<void>;
}

export function kubeDepartmentClient(kubeConfig: KubeConfig): DepartmentClient & { close(): void } {
  const rest = new RestClient(kubeConfig);
  return {
    create: (name, spec, labels) =>
      rest.create<DepartmentObject>(
        apiPaths.departments,
        { apiVersion: API_VERSION, kind: 'Department', metadata: { name, labels }, spec },
        FIELD_MANAGER,
      ),
    get: (name) => rest.get<DepartmentObject>(apiPaths.department(name)),
    async delete(name) {
      await rest.delete(apiPaths.department(name), { propagationPolicy: 'Background' });
    },
    async createOAuthClientSecret(secret) {
      await rest.create(paths.namespacedSecrets(OAUTH_CLIENTS_NAMESPACE), secret, FIELD_MANAGER);
    },
    close: () => rest.close(),
  };
}
