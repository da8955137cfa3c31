import type { z } from 'zod';
import { GROUP, nameRule, VERSION } from './common.ts';
import { crossDepartmentGrantSpec, crossDepartmentGrantStatus } from './cross-department-grant.ts';
import { departmentRules, departmentSpec, departmentStatus } from './department.ts';
import { toOpenApi } from './openapi.ts';

interface Kind {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  columns: { name: string; type: string; jsonPath: string; description: string; priority?: number }[];
  /** CEL rules on the whole object besides the name rule both kinds share. */
  rules?: object[];
}

const readyColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition',
};
/** Shown by `kubectl get -o wide` (priority 1): why the object is or is not Ready. */
const readyDetailColumns = [
  {
    name: 'Reason',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
    description: 'Reason of the Ready condition',
    priority: 1,
  },
  {
    name: 'Message',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].message',
    description: 'Message of the Ready condition',
    priority: 1,
  },
];
const ageColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation',
};

export const KINDS: Kind[] = [
  {
    kind: 'Department',
    plural: 'departments',
    singular: 'department',
    shortNames: ['dept'],
    description:
      'A department’s AI voice-assistant tenant: its Postgres schema and role, its voice agent runtime, its n8n workflows and its OAuth credential. The name is the department id (schema dept_<name>, role dept_<name>_role, with - as _).',
    spec: departmentSpec,
    status: departmentStatus,
    rules: departmentRules,
    columns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase' },
      readyColumn,
      { name: 'URL', type: 'string', jsonPath: '.status.deploymentUrl', description: 'Voice agent URL' },
      ageColumn,
      ...readyDetailColumns,
    ],
  },
  {
    kind: 'CrossDepartmentGrant',
    plural: 'crossdepartmentgrants',
    singular: 'crossdepartmentgrant',
    shortNames: ['cdg'],
    description:
      'Lets one department query another department’s data through the gateway, within the listed permissions and query types.',
    spec: crossDepartmentGrantSpec,
    status: crossDepartmentGrantStatus,
    columns: [
      { name: 'Source', type: 'string', jsonPath: '.spec.sourceDepartment', description: 'Querying department' },
      { name: 'Target', type: 'string', jsonPath: '.spec.targetDepartment', description: 'Queried department' },
      readyColumn,
      ageColumn,
      ...readyDetailColumns,
    ],
  },
];

export function customResourceDefinition(k: Kind) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Cluster',
      names: {
        kind: k.kind,
        listKind: `${k.kind}List`,
        plural: k.plural,
        singular: k.singular,
        shortNames: k.shortNames,
        categories: ['federation'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: k.columns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: k.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'Versioned schema of this representation of an object.' },
                kind: { type: 'string', description: 'REST resource this object represents.' },
                metadata: { type: 'object' },
                spec: toOpenApi(k.spec),
                status: toOpenApi(k.status),
              },
              'x-kubernetes-validations': [nameRule, ...(k.rules ?? [])],
            },
          },
        },
      ],
    },
  };
}
