import type { DepartmentObject } from '../../crds/department.ts';
import type { ProvisioningStatus } from './schemas.ts';

type Progress = ProvisioningStatus['progress'][keyof ProvisioningStatus['progress']];

/** Which condition stands for each of the seed's progress steps (the image is part of the runtime here). */
const STEP_CONDITIONS = {
  database: 'DatabaseReady',
  railway: 'RuntimeReady',
  docker: 'RuntimeReady',
  n8n: 'WorkflowsReady',
  oauth: 'OAuthReady',
} as const;

const STATUS_BY_PHASE = {
  Provisioning: 'PROVISIONING',
  Active: 'ACTIVE',
  Failed: 'FAILED',
  Deprovisioning: 'DEPROVISIONING',
} as const;

/** Maps a Department's phase and conditions onto the seed's ProvisioningStatus. */
export function provisioningStatusOf(d: DepartmentObject): ProvisioningStatus {
  const conditions = d.status?.conditions ?? [];
  const failed = d.status?.phase === 'Failed';
  const step = (type: string): Progress => {
    const c = conditions.find((x) => x.type === type);
    if (!c) return 'pending';
    if (c.status === 'True') return 'completed';
    return failed && c.status === 'False' ? 'failed' : 'in_progress';
  };
  const progress = Object.fromEntries(
    Object.entries(STEP_CONDITIONS).map(([k, type]) => [k, step(type)]),
  ) as ProvisioningStatus['progress'];
  const ready = conditions.find((c) => c.type === 'Ready');
  const status = d.metadata.deletionTimestamp ? 'DEPROVISIONING' : STATUS_BY_PHASE[d.status?.phase ?? 'Provisioning'];
  const stalled = conditions.find((c) => c.type === 'Stalled' && c.status === 'True');
  return {
    provisioning_id: d.metadata.uid,
    department_id: d.metadata.name,
    status,
    progress,
    ...(d.status?.deploymentUrl ? { deployment_url: d.status.deploymentUrl } : {}),
    ...(d.metadata.creationTimestamp ? { created_at: d.metadata.creationTimestamp } : {}),
    ...(status === 'ACTIVE' && ready?.status === 'True' ? { completed_at: ready.lastTransitionTime } : {}),
    ...(status === 'FAILED' && (stalled ?? ready) ? { error_message: (stalled ?? ready)?.message } : {}),
  };
}
