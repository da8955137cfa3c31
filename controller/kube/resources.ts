import { API_VERSION } from '../../crds/common.ts';

/** REST paths of the resources the controller touches. */
export const paths = {
  departments: `/apis/${API_VERSION}/departments`,
  department: (name: string) => `/apis/${API_VERSION}/departments/${encodeURIComponent(name)}`,
  departmentStatus: (name: string) => `/apis/${API_VERSION}/departments/${encodeURIComponent(name)}/status`,
  grants: `/apis/${API_VERSION}/crossdepartmentgrants`,
  grant: (name: string) => `/apis/${API_VERSION}/crossdepartmentgrants/${encodeURIComponent(name)}`,
  grantStatus: (name: string) => `/apis/${API_VERSION}/crossdepartmentgrants/${encodeURIComponent(name)}/status`,
  namespaces: '/api/v1/namespaces',
  namespace: (name: string) => `/api/v1/namespaces/${encodeURIComponent(name)}`,
  secrets: '/api/v1/secrets',
  namespacedSecrets: (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets`,
  events: (ns: string) => `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/events`,
  event: (ns: string, name: string) =>
    `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/events/${encodeURIComponent(name)}`,
  lease: (ns: string, name: string) =>
    `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/leases/${encodeURIComponent(name)}`,
  leases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/leases`,
};

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  generation?: number;
  resourceVersion: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface KubeList<T> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}
