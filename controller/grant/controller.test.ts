import { describe, expect, it } from 'vitest';
import { apiPaths } from '../../crds/api-paths.ts';
import type { DepartmentObject } from '../../reconcilers/component.ts';
import type { Caches } from '../runtime/registration.ts';
import { grantController } from './controller.ts';
import type { GrantObject } from './reconciler.ts';

const grant = (name: string, source: string, target: string) =>
  ({ metadata: { name }, spec: { sourceDepartment: source, targetDepartment: target } }) as unknown as GrantObject;
const department = (name: string, deletionTimestamp?: string) =>
  ({ metadata: { name, deletionTimestamp } }) as unknown as DepartmentObject;

const grants = [grant('hr-sales', 'hr', 'sales'), grant('sales-it', 'sales', 'it')];
/** The grant cache holds `grants`; the map function reads no other. */
const caches = {
  reader: (path: string) => {
    if (path !== apiPaths.grants) throw new Error(`unexpected cache ${path}`);
    return { get: () => undefined, list: () => grants };
  },
} as unknown as Caches;

describe('grantController', () => {
  const [watch] = grantController({ syncers: [] }).watches;
  const keys = (change: Parameters<NonNullable<typeof watch>['map']>[0]) => [...(watch?.map(change, caches) ?? [])];

  it('does reconcile the grants naming a Department that appears, starts being deleted or goes', () => {
    expect(watch?.path).toBe(apiPaths.departments);
    expect(keys({ object: department('sales'), deleted: false })).toEqual(['hr-sales', 'sales-it']);
    expect(keys({ object: department('hr', 'now'), old: department('hr'), deleted: false })).toEqual(['hr-sales']);
    expect(keys({ object: department('it'), deleted: true })).toEqual(['sales-it']);
  });

  it('does not reconcile grants when a Department only changes (its spec or status)', () => {
    expect(keys({ object: department('hr'), old: department('hr'), deleted: false })).toEqual([]);
  });
});
