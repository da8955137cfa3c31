import { describe, expect, it } from 'vitest';
import { GATEWAY_ROLE } from '../../controller/platform/database/gateway-role.ts';
import { PLATFORM_ROLES } from '../../controller/platform/database/platform-roles.ts';
import { RESERVED_DEPARTMENT_NAMES, TENANT_PREFIX, tenantNamesFor } from '../../crds/names.ts';
import { TerminalError } from '../component.ts';
import { ident, legacyTenantNames, literal, tenantNames } from './names.ts';

/** Every name the platform itself uses in Postgres (roles and schemas); none may be a tenant's. */
const PLATFORM_NAMES = [...PLATFORM_ROLES, GATEWAY_ROLE, 'federation', 'public', 'postgres'];

describe('tenantNames', () => {
  it('does derive schema and role with the dept_ prefix and dashes turned into underscores', () => {
    expect(tenantNames('human-resources')).toEqual({
      department: 'human-resources',
      schema: 'dept_human_resources',
      role: 'dept_human_resources_role',
    });
    expect(tenantNames('human-resources')).toEqual(tenantNamesFor('human-resources'));
  });

  it.each(['hr"; DROP SCHEMA federation; --', "hr'", 'hr;', 'HR', '1hr', 'hr_tenant', '', 'a'.repeat(41), 'hr-'])(
    'does refuse %j with a TerminalError',
    (name) => {
      expect(() => tenantNames(name)).toThrow(TerminalError);
    },
  );

  it.each(['federation-admin', 'cross-dept-query', 'federation', 'postgres', 'pg-signal-backend', 'n8n'])(
    'does refuse the reserved name %s',
    (name) => {
      expect(() => tenantNames(name)).toThrow(expect.objectContaining({ reason: 'ReservedDepartmentName' }));
    },
  );

  it('does never produce a platform role or schema, not even from the platform’s names spelled as departments', () => {
    // Legacy naming (`<name>_role`) would turn federation-admin into federation_admin_role: the platform administrators' role.
    const candidates = [
      ...RESERVED_DEPARTMENT_NAMES,
      ...PLATFORM_NAMES.map((n) => n.replaceAll('_', '-')),
      ...PLATFORM_NAMES.map((n) => n.replace(/_role$/, '').replaceAll('_', '-')),
    ];
    for (const department of candidates) {
      const { schema, role } = tenantNamesFor(department);
      expect(PLATFORM_NAMES).not.toContain(schema);
      expect(PLATFORM_NAMES).not.toContain(role);
    }
  });

  it('does keep the tenant prefix out of every platform name', () => {
    for (const name of PLATFORM_NAMES) expect(name.startsWith(TENANT_PREFIX)).toBe(false);
  });

  it('does know the legacy names only to rename them', () => {
    expect(legacyTenantNames(tenantNames('human-resources'))).toEqual({
      department: 'human-resources',
      schema: 'human_resources_tenant',
      role: 'human_resources_role',
    });
  });
});

describe('ident', () => {
  it('does quote a validated slug', () => {
    expect(ident('hr_tenant')).toBe('"hr_tenant"');
  });

  it('does refuse anything that is not a slug', () => {
    for (const bad of ['a"b', 'a;b', 'A', 'a b', `a${'b'.repeat(63)}`]) expect(() => ident(bad)).toThrow();
  });
});

describe('literal', () => {
  it('does double single quotes', () => {
    expect(literal("it's")).toBe("'it''s'");
  });
});
