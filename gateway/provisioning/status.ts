import type { ProvisioningStatus } from './schemas.ts';

type Progress = ProvisioningStatus['progress'][keyof ProvisioningStatus['progress']];

/** What the controller recorded about one provisioning (federation.provisioning_jobs and departments). */
export interface ProvisioningRecord {
  provisioning_id: string;
  department_id: string;
  requested_at: Date;
  department_status: string | null;
  deployment_url: string | null;
  dashboard_url: string | null;
  job_status: string | null;
  progress: Record<string, string> | null;
  steps: Record<string, unknown> | null;
  error_message: string | null;
  completed_at: Date | null;
  /** Whether a later Department under the same name superseded this one. */
  superseded: boolean;
}

/**
 * The request, its Department's mirror row and the newest job of this Department (by uid): the job is what
 * the controller recorded from its own reconcile outcomes (controller/platform/database/provisioning-recorder.ts).
 */
export const PROVISIONING_RECORD_SQL = `
  SELECT r.provisioning_id, r.department_id, r.created_at AS requested_at, d.status AS department_status,
         d.railway_deployment_url AS deployment_url, d.dashboard_url, j.status AS job_status, j.progress, j.steps,
         j.error_message, j.completed_at,
         EXISTS (SELECT 1 FROM federation.provisioning_jobs o
                  WHERE o.department_id = r.department_id AND o.department_uid <> r.provisioning_id
                    AND o.created_at > coalesce(j.created_at, r.created_at)) AS superseded
    FROM federation.provisioning_requests r
    LEFT JOIN federation.departments d ON d.department_id = r.department_id
    LEFT JOIN LATERAL (SELECT * FROM federation.provisioning_jobs j
                        WHERE j.department_uid = r.provisioning_id ORDER BY j.generation DESC LIMIT 1) j ON true
   WHERE r.provisioning_id = $1`;

const STEPS = ['database', 'railway', 'docker', 'n8n', 'oauth'] as const;
const PROGRESS = new Set(['pending', 'in_progress', 'completed', 'failed', 'not_configured', 'skipped']);

/** The seed's ProvisioningStatus, from the record. */
export function provisioningStatusOf(r: ProvisioningRecord): ProvisioningStatus {
  const recorded = r.progress ?? {};
  const progress = Object.fromEntries(
    STEPS.map((s) => [s, (PROGRESS.has(recorded[s] ?? '') ? recorded[s] : 'pending') as Progress]),
  ) as ProvisioningStatus['progress'];
  const leaving = r.department_status === 'DEPROVISIONING' || r.department_status === 'DEPROVISIONED';
  const status: ProvisioningStatus['status'] = r.superseded
    ? 'DEPROVISIONED'
    : leaving
      ? (r.department_status as 'DEPROVISIONING' | 'DEPROVISIONED')
      : r.job_status === 'COMPLETED'
        ? 'ACTIVE'
        : r.job_status === 'FAILED'
          ? 'FAILED'
          : 'PROVISIONING';
  return {
    provisioning_id: r.provisioning_id,
    department_id: r.department_id,
    status,
    progress,
    ...(r.steps ? { steps: r.steps as ProvisioningStatus['steps'] } : {}),
    ...(r.deployment_url ? { deployment_url: r.deployment_url } : {}),
    ...(r.dashboard_url ? { dashboard_url: r.dashboard_url } : {}),
    created_at: r.requested_at.toISOString(),
    ...(status === 'ACTIVE' && r.completed_at ? { completed_at: r.completed_at.toISOString() } : {}),
    ...(status === 'FAILED' && r.error_message ? { error_message: r.error_message } : {}),
  };
}
