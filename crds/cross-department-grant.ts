import { z } from 'zod';
import { conditions, departmentName, observedGeneration, setOf } from './common.ts';
import { QUERY_TYPES } from './cross-department-query.ts';

export const PERMISSIONS = ['read', 'search', 'aggregate'] as const;

export const crossDepartmentGrantSpec = z
  .object({
    sourceDepartment: departmentName.describe('Department that may query (the caller).'),
    targetDepartment: departmentName.describe(
      'Department whose data may be queried; must differ from sourceDepartment.',
    ),
    permissions: setOf(z.enum(PERMISSIONS))
      .min(1)
      .describe(`What the source may do with the target’s data: a non-empty set of ${PERMISSIONS.join(', ')}.`),
    queryTypes: setOf(z.enum(QUERY_TYPES))
      .min(1)
      .describe(`Queries the source may run: a non-empty set of ${QUERY_TYPES.join(', ')}.`),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the grant stops applying (RFC 3339 date-time); never when unset.'),
    reason: z.string().min(1).max(500).describe('Why the grant exists (1-500 characters), kept for audit.'),
    suspend: z
      .boolean()
      .default(false)
      .describe('When true the grant does not apply (the gateway and the database refuse it) but is kept.'),
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: 'self.sourceDepartment != self.targetDepartment',
        message: 'targetDepartment must differ from sourceDepartment',
        fieldPath: '.targetDepartment',
        reason: 'FieldValueInvalid',
      },
    ],
  })
  .describe('A read grant from one department to another’s data through the gateway.');

export const crossDepartmentGrantStatus = z
  .object({
    observedGeneration: observedGeneration.optional(),
    conditions: conditions.optional(),
  })
  .describe('Observed state of the grant, written by the controller.');

export type CrossDepartmentGrantSpec = z.infer<typeof crossDepartmentGrantSpec>;
export type CrossDepartmentGrantStatus = z.infer<typeof crossDepartmentGrantStatus>;
