import { z } from 'zod';
import { conditions, kubeName, observedGeneration, setOf } from './common.ts';
import {
  namespaceFor,
  OAUTH_CLIENTS_NAMESPACE,
  RESERVED_DEPARTMENT_NAMES,
  RESERVED_DEPARTMENT_PREFIXES,
} from './names.ts';
import {
  DEFAULT_LLM_MODEL,
  DEFAULT_LLM_PROVIDER,
  DEFAULT_STT_MODEL,
  DEFAULT_TTS_VOICE,
  LLM_PROVIDERS,
  OPENAI_TTS_VOICES,
  STT_PROVIDERS,
  TTS_PROVIDERS,
} from './providers.ts';

export const TOOLS = [
  'email',
  'google_drive',
  'database',
  'vector_store',
  'agent_context',
  'file_download_email',
] as const;
export const PHASES = ['Provisioning', 'Active', 'Failed', 'Deprovisioning'] as const;

export const departmentSpec = z
  .object({
    displayName: z.string().min(1).max(255).describe('Human-readable name of the department, e.g. "Human Resources".'),
    adminEmail: z.email().describe('Email address of the department’s administrator.'),
    enabledTools: setOf(z.enum(TOOLS)).describe(
      `Tools the department’s voice agent may use; each enables its n8n workflow. Unique values from: ${TOOLS.join(', ')}. May be empty.`,
    ),
    googleWorkspace: z
      .object({
        domain: z.hostname().describe('Google Workspace domain of the department, e.g. hr.example.com.'),
        driveFolderId: z
          .string()
          .min(1)
          .max(255)
          .optional()
          .describe('Google Drive folder the document repository indexes.'),
      })
      .optional()
      .describe('Google Workspace the department’s tools work against.'),
    llm: z
      .object({
        provider: z
          .enum(LLM_PROVIDERS)
          .default(DEFAULT_LLM_PROVIDER)
          .describe(
            `LLM provider the voice agent runs: ${LLM_PROVIDERS.join(', ')} (default ${DEFAULT_LLM_PROVIDER}).`,
          ),
        model: z
          .string()
          .min(1)
          .max(255)
          .optional()
          .describe(
            `Model name at the provider; when unset ${Object.entries(DEFAULT_LLM_MODEL)
              .map(([p, m]) => `${m} (${p})`)
              .join(', ')}.`,
          ),
        temperature: z.number().min(0).max(2).default(0.7).describe('Sampling temperature, 0 to 2 (default 0.7).'),
      })
      .optional()
      .describe('Large language model the voice agent uses.'),
    stt: z
      .object({
        provider: z
          .enum(STT_PROVIDERS)
          .describe(`Speech-to-text provider the voice agent runs: ${STT_PROVIDERS.join(', ')}.`),
        model: z
          .string()
          .min(1)
          .max(255)
          .default(DEFAULT_STT_MODEL)
          .describe(`Speech-to-text model (default ${DEFAULT_STT_MODEL}).`),
      })
      .optional()
      .describe('Speech-to-text used by the voice agent.'),
    tts: z
      .object({
        provider: z
          .enum(TTS_PROVIDERS)
          .describe(`Text-to-speech provider the voice agent runs: ${TTS_PROVIDERS.join(', ')}.`),
        voice: z
          .string()
          .min(1)
          .max(255)
          .default(DEFAULT_TTS_VOICE)
          .describe(
            `Text-to-speech voice (default ${DEFAULT_TTS_VOICE}): for cartesia a Cartesia voice id, or a model name (sonic-…) with its default voice; for openai one of ${OPENAI_TTS_VOICES.join(', ')}.`,
          ),
      })
      .meta({
        'x-kubernetes-validations': [
          {
            rule: `self.provider != 'openai' || self.voice in [${OPENAI_TTS_VOICES.map((v) => `'${v}'`).join(', ')}]`,
            message: `spec.tts.voice must be an OpenAI voice (${OPENAI_TTS_VOICES.join(', ')}) when the provider is openai`,
            fieldPath: '.voice',
            reason: 'FieldValueInvalid',
          },
        ],
      })
      .optional()
      .describe('Text-to-speech used by the voice agent.'),
    oauth: z
      .object({
        secretRef: z
          .object({
            name: kubeName.describe('Name of the Secret.'),
            namespace: kubeName.max(63).describe('Namespace of the Secret.'),
          })
          .describe(
            `Secret holding client_id, client_secret and optionally refresh_token and token_uri; in the department's own namespace dept-<name>, or in ${OAUTH_CLIENTS_NAMESPACE} labelled federation.synrg.io/department=<name>.`,
          ),
      })
      .optional()
      .describe('The department’s Google OAuth client.'),
    runtime: z
      .object({
        provider: z
          .enum(['railway'])
          .default('railway')
          .describe('Where the voice agent runs; railway is the only provider for now.'),
        image: z
          .string()
          .min(1)
          .max(512)
          .optional()
          .describe('Container image of the voice agent; the controller’s default image when unset.'),
        replicas: z
          .number()
          .int()
          .min(1)
          .max(10)
          .default(1)
          .describe('Number of voice-agent replicas Railway runs (1 to 10, default 1).'),
        region: z
          .string()
          .min(1)
          .max(64)
          .optional()
          .describe('Railway region of the voice agent, e.g. us-west2; Railway’s default when unset.'),
        driftPolicy: z
          .enum(['Remediate', 'Report'])
          .default('Remediate')
          .describe(
            'What a difference found between Railway and the declared runtime leads to: Remediate (default) repairs it, Report only sets the RuntimeDrifted condition.',
          ),
      })
      .optional()
      .describe('Where and how the department’s voice agent runs.'),
    gateway: z
      .object({
        rateLimitPerMinute: z
          .number()
          .int()
          .min(1)
          .max(100000)
          .default(10)
          .describe(
            'Cross-department queries the gateway serves for this department per minute, shared by all gateway replicas (1 to 100000, default 10).',
          ),
      })
      .optional()
      .describe(
        'How the gateway treats this department’s cross-department queries; the gateway’s defaults when unset.',
      ),
    deletionPolicy: z
      .enum(['Delete', 'Retain'])
      .default('Delete')
      .describe(
        'What happens to external resources when the Department is deleted: Delete (default) removes them, Retain keeps them.',
      ),
    suspend: z
      .boolean()
      .default(false)
      .describe('When true the controller makes no external changes for this department.'),
    customSettings: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ 'x-kubernetes-preserve-unknown-fields': true })
      .describe(
        'Free-form settings (a JSON object) passed to the department’s agent as CUSTOM_SETTINGS (its settings and its LLM instructions) and to its workflows (the agent_context workflow answers with them).',
      ),
  })
  .describe('Desired state of a department’s voice-assistant tenant.');

export const departmentStatus = z
  .object({
    phase: z.enum(PHASES).optional().describe('Lifecycle phase: Provisioning, Active, Failed or Deprovisioning.'),
    observedGeneration: observedGeneration.optional(),
    conditions: conditions.optional(),
    lastHandledReconcileRequest: z
      .string()
      .optional()
      .describe('Value of the federation.synrg.io/reconcile-request annotation the controller last handled.'),
    namespace: z.string().optional().describe('Namespace holding the department’s Secrets and in-cluster objects.'),
    tenantSchema: z.string().optional().describe('Postgres schema holding the department’s tables.'),
    schemaVersion: z.number().int().optional().describe('Version of the tenant schema migrations applied.'),
    deploymentUrl: z.string().optional().describe('Public URL of the department’s voice agent.'),
    projectId: z.string().optional().describe('Railway project id of the department’s runtime.'),
    serviceId: z.string().optional().describe('Railway service id of the voice agent.'),
    workflowIds: z.record(z.string(), z.string()).optional().describe('n8n workflow ids by tool.'),
    runtime: z
      .object({
        environmentId: z.string().describe('Railway environment of the project.'),
        deploymentId: z.string().describe('The deployment the last update made.'),
        domain: z.string().describe('The service domain.'),
        inputsDigest: z
          .string()
          .describe('Keyed digest of the inputs of the last update (reveals nothing of them); changes mean an update.'),
      })
      .optional()
      .describe(
        'What the runtime last applied through Pulumi, read back to check Railway for drift without the engine.',
      ),
  })
  .describe('Observed state of the department, written by the controller.');

const quoted = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');

/**
 * CEL rules on the whole Department: they need metadata.name, which the spec schema cannot see. Both use
 * optionalOldSelf to look only at what changes: a name is fixed at creation, and an object stored before a rule
 * existed can still get its status written and its finalizer removed (the controller re-checks both anyway).
 */
export const departmentRules = [
  {
    rule:
      `oldSelf.hasValue() || !(self.metadata.name in [${quoted(RESERVED_DEPARTMENT_NAMES)}] || ` +
      RESERVED_DEPARTMENT_PREFIXES.map((p) => `self.metadata.name.startsWith('${p}')`).join(' || ') +
      ')',
    optionalOldSelf: true,
    message: `metadata.name is reserved for the platform: ${RESERVED_DEPARTMENT_NAMES.join(', ')} and names starting with ${RESERVED_DEPARTMENT_PREFIXES.join(', ')} cannot be departments`,
    reason: 'FieldValueForbidden',
  },
  {
    rule:
      '(oldSelf.hasValue() && oldSelf.value().spec == self.spec) || !has(self.spec.oauth) || ' +
      `self.spec.oauth.secretRef.namespace == '${namespaceFor('')}' + self.metadata.name || ` +
      `self.spec.oauth.secretRef.namespace == '${OAUTH_CLIENTS_NAMESPACE}'`,
    optionalOldSelf: true,
    message: `spec.oauth.secretRef.namespace must be the department's own namespace (dept-<name>) or ${OAUTH_CLIENTS_NAMESPACE}`,
    reason: 'FieldValueForbidden',
    fieldPath: '.spec.oauth.secretRef.namespace',
  },
];

export type DepartmentSpec = z.infer<typeof departmentSpec>;
export type DepartmentSpecInput = z.input<typeof departmentSpec>;
export type DepartmentStatus = z.infer<typeof departmentStatus>;
export type Tool = (typeof TOOLS)[number];
export type Phase = (typeof PHASES)[number];

/** A Department as the controller reads it from the API server (spec already defaulted by the server). */
export interface DepartmentObject {
  apiVersion: string;
  kind: 'Department';
  metadata: {
    name: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
  spec: DepartmentSpec;
  status?: DepartmentStatus;
}
