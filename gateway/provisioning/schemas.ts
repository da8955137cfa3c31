import { z } from 'zod';
import { TOOLS } from '../../crds/department.ts';
import { oauthClientRequest } from './oauth-client.ts';

/** The seed's ProvisioningRequest (§3.1); mapped onto the Department spec and validated again by its schema. */
export const provisioningRequest = z
  .object({
    department_id: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-z0-9_-]+$/)
      .describe('Unique department identifier (slug); becomes the Department name.'),
    department_name: z.string().min(1).max(255).describe('Human-readable department name.'),
    enabled_tools: z.array(z.enum(TOOLS)).describe('Tools the voice agent may use.'),
    admin_email: z.email().describe('The department administrator.'),
    google_workspace_domain: z.string().optional().describe('Google Workspace domain.'),
    custom_config: z.record(z.string(), z.unknown()).optional().describe('Free-form settings for the agent.'),
    oauth_client: oauthClientRequest
      .optional()
      .describe(
        'The department’s Google OAuth client (needed by email, google_drive and file_download_email): the client, stored as a Secret in federation-oauth-clients, or a reference to a Secret that holds one. Never echoed.',
      ),
    rate_limit_per_minute: z
      .number()
      .int()
      .optional()
      .describe('Cross-department queries per minute for this department (default 10).'),
  })
  .strict();
export type ProvisioningRequest = z.infer<typeof provisioningRequest>;

/** A step's state; not_configured and skipped are steps that do not apply to this department (nothing to wait for). */
const progressState = z.enum(['pending', 'in_progress', 'completed', 'failed', 'not_configured', 'skipped']);

export const provisioningResponse = z.object({
  provisioning_id: z.string().describe('The Department’s uid.'),
  department_id: z.string(),
  status: z.enum(['PROVISIONING', 'ACTIVE', 'FAILED', 'DEPROVISIONING']),
  message: z.string(),
  status_url: z.string(),
});

export const provisioningStatus = z.object({
  provisioning_id: z.string(),
  department_id: z.string(),
  status: z.enum(['PROVISIONING', 'ACTIVE', 'FAILED', 'DEPROVISIONING', 'DEPROVISIONED']),
  progress: z.object({
    database: progressState,
    railway: progressState,
    docker: progressState,
    n8n: progressState,
    oauth: progressState,
  }),
  steps: z
    .record(
      z.string(),
      z.object({
        step: z.string(),
        state: progressState,
        condition: z.string(),
        reason: z.string(),
        message: z.string(),
      }),
    )
    .optional()
    .describe('Every component of the provisioning (the seed steps and the platform’s own: namespace, gateway token).'),
  deployment_url: z.string().optional(),
  dashboard_url: z.string().optional(),
  created_at: z.string().optional(),
  completed_at: z.string().optional(),
  error_message: z.string().optional(),
});
export type ProvisioningStatus = z.infer<typeof provisioningStatus>;

export const deprovisioningResponse = z.object({
  department_id: z.string(),
  status: z.literal('DEPROVISIONING'),
  message: z.string(),
});
