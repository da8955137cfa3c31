import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../controller/core/component.ts';
import { ident, literal, tenantNames } from './names.ts';

describe('tenantNames', () => {
  it('does derive schema and role with dashes turned into underscores', () => {
    expect(tenantNames('human-resources')).toEqual({
      department: 'human-resources',
      schema: 'human_resources_tenant',
      role: 'human_resources_role',
    });
  });

  it.each(['hr"; DROP SCHEMA federation; --', "hr'", 'hr;', 'HR', '1hr', 'hr_tenant', '', 'a'.repeat(41), 'hr-'])(
    'does refuse %j with a TerminalError',
    (name) => {
      expect(() => tenantNames(name)).toThrow(TerminalError);
    },
  );
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
