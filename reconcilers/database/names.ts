import { TerminalError } from '../../controller/core/component.ts';
import { DEPARTMENT_NAME_MAX, DEPARTMENT_NAME_PATTERN } from '../../crds/common.ts';

const departmentPattern = new RegExp(DEPARTMENT_NAME_PATTERN);
/** What every identifier we put into SQL must look like once derived: lowercase, digits, underscores. */
const identifierPattern = /^[a-z][a-z0-9_]{0,62}$/;

/** The names one department owns in Postgres, all derived from its validated Kubernetes name. */
export interface TenantNames {
  /** The Department's name (its department id), e.g. `human-resources`. */
  department: string;
  /** `human_resources_tenant` */
  schema: string;
  /** `human_resources_role` */
  role: string;
}

/** Validates a department name before any of it reaches SQL; throws a TerminalError otherwise. */
export function tenantNames(department: string): TenantNames {
  if (department.length > DEPARTMENT_NAME_MAX || !departmentPattern.test(department)) {
    throw new TerminalError(
      'InvalidDepartmentName',
      `department name must be a DNS label of at most ${DEPARTMENT_NAME_MAX} characters starting with a letter`,
    );
  }
  const slug = department.replaceAll('-', '_');
  return { department, schema: `${slug}_tenant`, role: `${slug}_role` };
}

export function isValidDepartmentName(department: string): boolean {
  return department.length <= DEPARTMENT_NAME_MAX && departmentPattern.test(department);
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
