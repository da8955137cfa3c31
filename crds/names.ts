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

/**
 * Where departments may keep their Google OAuth client Secret besides their own namespace: one namespace the
 * platform's administrators fill (a Secret there must carry DEPARTMENT_LABEL=<department>).
 */
export const OAUTH_CLIENTS_NAMESPACE = 'federation-oauth-clients';

/**
 * Every tenant schema and role starts with this prefix, and no platform role or schema ever does
 * (reconcilers/database/names.test.ts checks the platform's), so no Department can be given a platform name.
 */
export const TENANT_PREFIX = 'dept_';
const ROLE_SUFFIX = '_role';

/**
 * Department names refused outright (by CEL on the CRD and again by the database component): the platform's
 * roles, schemas and databases spelled as department names, and Postgres's own. The prefix already keeps
 * their tenant names apart; refusing them also keeps audit trails and legacy tenant names (`<name>_role`) unambiguous.
 */
export const RESERVED_DEPARTMENT_NAMES = [
  'federation',
  'federation-owner',
  'federation-admin',
  'federation-admin-role',
  'federation-gateway',
  'federation-system',
  'cross-dept-query',
  'cross-dept-query-role',
  'postgres',
  'public',
  'information-schema',
  'n8n',
] as const;
/** Postgres reserves `pg_` for its own roles and schemas. */
export const RESERVED_DEPARTMENT_PREFIXES = ['pg-'] as const;

export function isReservedDepartmentName(department: string): boolean {
  return (
    (RESERVED_DEPARTMENT_NAMES as readonly string[]).includes(department) ||
    RESERVED_DEPARTMENT_PREFIXES.some((prefix) => department.startsWith(prefix))
  );
}

/** The names one department owns in Postgres. */
export interface TenantNames {
  /** The Department's name (its department id), e.g. `human-resources`. */
  department: string;
  /** `dept_human_resources` */
  schema: string;
  /** `dept_human_resources_role` */
  role: string;
}

/** A department name with `-` as `_` (injective: department names hold no `_`). */
export function departmentSlug(department: string): string {
  return department.replaceAll('-', '_');
}

/** The tenant schema of a department: `dept_<name with - as _>`. */
export function tenantSchemaFor(department: string): string {
  return `${TENANT_PREFIX}${departmentSlug(department)}`;
}

/** The tenant's Postgres names; the caller validates `department` first (see reconcilers/database/names.ts). */
export function tenantNamesFor(department: string): TenantNames {
  return { department, schema: tenantSchemaFor(department), role: `${tenantSchemaFor(department)}${ROLE_SUFFIX}` };
}

/**
 * Pins a Department to one controller shard (`0` … `SHARDS-1`); without it (or with a value out of range) the
 * shard is a hash of the name. See departmentShard and deploy/README.md "Sharding".
 */
export const SHARD_LABEL = 'federation.synrg.io/shard';

/** The shard pinned by a SHARD_LABEL value, or undefined when the value is missing or not a shard of `shards`. */
export function pinnedShard(label: string | undefined, shards: number): number | undefined {
  if (label === undefined || !/^(0|[1-9]\d{0,3})$/.test(label)) return undefined;
  const shard = Number(label);
  return shard < shards ? shard : undefined;
}

/**
 * The shard that reconciles a Department: its SHARD_LABEL when valid, else FNV-1a (32 bit) of its name mod
 * `shards`. A pure function of the name and label, so every replica (and the docs' examples) agree on it.
 */
export function departmentShard(name: string, shards: number, label?: string): number {
  if (shards <= 1) return 0;
  const pinned = pinnedShard(label, shards);
  if (pinned !== undefined) return pinned;
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
