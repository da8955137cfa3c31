import { z } from 'zod';

export const GROUP = 'federation.synrg.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A list whose items must be unique (the API server refuses duplicates). */
export function setOf<T extends z.ZodType>(item: T) {
  return z.array(item).meta({ 'x-kubernetes-list-type': 'set' });
}

/** Kubernetes metav1.Condition, kept in a list-map keyed by `type`. */
export const condition = z
  .object({
    type: z.string().min(1).max(316).describe('Type of the condition in CamelCase, e.g. Ready, Reconciling, Stalled.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition: True, False or Unknown.'),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('The .metadata.generation the condition was set from.'),
    lastTransitionTime: z.iso.datetime().describe('When the condition last changed from one status to another.'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .describe('Programmatic identifier (CamelCase) for the condition’s last transition.'),
    message: z.string().max(32768).describe('Human-readable details about the last transition.'),
  })
  .describe('One observation of the object’s state, in the shape of metav1.Condition.');

export type Condition = z.infer<typeof condition>;

export const conditions = z
  .array(condition)
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
  .describe('Latest observations of the object’s state, one per condition type.');

export const observedGeneration = z
  .number()
  .int()
  .min(0)
  .describe('The .metadata.generation the controller last acted on.');

/** A Kubernetes object name (DNS-1123 subdomain); a namespace's is also at most 63 characters. */
export const kubeName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes object name');

/** A DNS-1123 label: lowercase letters, digits and '-', starting with a letter. */
export const DEPARTMENT_NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
export const DEPARTMENT_NAME_MAX = 40;

export const departmentName = z
  .string()
  .min(1)
  .max(DEPARTMENT_NAME_MAX)
  .regex(new RegExp(DEPARTMENT_NAME_PATTERN))
  .describe('Name of a Department (a DNS label of at most 40 characters starting with a letter).');

/** The CEL rule the API server runs on metadata.name of both kinds. */
export const nameRule = {
  rule: `size(self.metadata.name) <= ${DEPARTMENT_NAME_MAX} && self.metadata.name.matches('${DEPARTMENT_NAME_PATTERN}')`,
  message: `metadata.name must be a DNS label of at most ${DEPARTMENT_NAME_MAX} characters: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`,
  reason: 'FieldValueInvalid',
};
