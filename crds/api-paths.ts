import { API_VERSION } from './common.ts';

/** REST paths of this API's two kinds (both cluster-scoped), for any Kubernetes client. */
export const apiPaths = {
  departments: `/apis/${API_VERSION}/departments`,
  department: (name: string) => `/apis/${API_VERSION}/departments/${encodeURIComponent(name)}`,
  departmentStatus: (name: string) => `/apis/${API_VERSION}/departments/${encodeURIComponent(name)}/status`,
  grants: `/apis/${API_VERSION}/crossdepartmentgrants`,
  grant: (name: string) => `/apis/${API_VERSION}/crossdepartmentgrants/${encodeURIComponent(name)}`,
  grantStatus: (name: string) => `/apis/${API_VERSION}/crossdepartmentgrants/${encodeURIComponent(name)}/status`,
};
