// Names the controller, the components, the gateway and the agent agree on. Derived names come only from a
// Department's validated name (a DNS label, see common.ts), never from free text.

/** The finalizer every Department carries until its components are cleaned up. */
export const FINALIZER = 'federation.synrg.io/finalizer';
/** `kubectl annotate dept <name> federation.synrg.io/reconcile-request=$(date +%s)` asks for a full pass now. */
export const RECONCILE_REQUEST_ANNOTATION = 'federation.synrg.io/reconcile-request';
/** Labels every object the controller creates for a department (namespace, Secrets). */
export const DEPARTMENT_LABEL = 'federation.synrg.io/department';
/** The field manager of every write the controller makes (server-side apply, patches, Events). */
export const FIELD_MANAGER = 'federation-controller';

/** The namespace holding a department's Secrets: `dept-<name>`. */
export function namespaceFor(department: string): string {
  return `dept-${department}`;
}

/** The names one department owns in Postgres. */
export interface TenantNames {
  /** The Department's name (its department id), e.g. `human-resources`. */
  department: string;
  /** `human_resources_tenant` */
  schema: string;
  /** `human_resources_role` */
  role: string;
}

function slug(department: string): string {
  return department.replaceAll('-', '_');
}

/** The tenant schema of a department: `<name with - as _>_tenant`. */
export function tenantSchemaFor(department: string): string {
  return `${slug(department)}_tenant`;
}

/** The tenant's Postgres names; the caller validates `department` first (see reconcilers/database/names.ts). */
export function tenantNamesFor(department: string): TenantNames {
  return { department, schema: tenantSchemaFor(department), role: `${slug(department)}_role` };
}
