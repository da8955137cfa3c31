import { DEPARTMENT_NAME_MAX, DEPARTMENT_NAME_PATTERN } from '../../crds/common.ts';
import { departmentSlug, isReservedDepartmentName, type TenantNames, tenantNamesFor } from '../../crds/names.ts';
import { TerminalError } from '../component.ts';
import { Reason } from './conditions.ts';

export type { TenantNames } from '../../crds/names.ts';

const departmentPattern = new RegExp(DEPARTMENT_NAME_PATTERN);
/** What every identifier we put into SQL must look like once derived: lowercase, digits, underscores. */
const identifierPattern = /^[a-z][a-z0-9_]{0,62}$/;

export function isValidDepartmentName(department: string): boolean {
  return department.length <= DEPARTMENT_NAME_MAX && departmentPattern.test(department);
}

/** The department name if it is a DNS label that can reach SQL safely; a TerminalError otherwise. */
export function validDepartmentName(department: string): string {
  if (!isValidDepartmentName(department)) {
    throw new TerminalError(
      Reason.InvalidDepartmentName,
      `department name must be a DNS label of at most ${DEPARTMENT_NAME_MAX} characters starting with a letter`,
    );
  }
  return department;
}

/**
 * The tenant names of a department that may be provisioned (names as in crds/names.ts): a TerminalError for a
 * name that is not a DNS label or is reserved for the platform.
 */
export function tenantNames(department: string): TenantNames {
  if (isReservedDepartmentName(validDepartmentName(department))) {
    throw new TerminalError(
      Reason.ReservedDepartmentName,
      `${department} is reserved for the platform and cannot be a department; nothing was created for it`,
    );
  }
  return tenantNamesFor(department);
}

/**
 * The names tenants had before the `dept_` prefix (`<name>_tenant`, `<name>_role`): only read to rename an
 * existing tenant to its current names (see tenant-claim.ts), never created.
 */
export function legacyTenantNames(n: TenantNames): TenantNames {
  const slug = departmentSlug(n.department);
  return { department: n.department, schema: `${slug}_tenant`, role: `${slug}_role` };
}

/** Quotes an identifier that was validated as a slug; refuses anything else. */
export function ident(name: string): string {
  if (!identifierPattern.test(name)) throw new Error('refusing to quote an identifier that is not a validated slug');
  return `"${name}"`;
}

/**
 * Quotes a literal for DDL, where Postgres cannot bind parameters (policy expressions, defaults).
 * Only used with values derived from validated names or generated verifiers; still escaped defensively.
 */
export function literal(value: string): string {
  if (value.includes('\0')) throw new Error('refusing to quote a literal containing NUL');
  return `'${value.replaceAll("'", "''")}'`;
}
