import type { RailwayDeployment } from '../../pulumi/railway/api.ts';
import type { ComponentCondition } from '../component.ts';
import { Reason } from './conditions.ts';

const IN_PROGRESS = new Set(['QUEUED', 'WAITING', 'INITIALIZING', 'BUILDING', 'DEPLOYING']);

/** RuntimeReady from the Railway deployment: SUCCESS True, in progress Unknown (Reconciling), FAILED/CRASHED False. */
export function deploymentCondition(
  deployment: RailwayDeployment | undefined,
  url: string,
): ComponentCondition & { inProgress: boolean } {
  if (!deployment) {
    return {
      status: 'Unknown',
      reason: Reason.DeploymentUnknown,
      message: 'Railway has no such deployment',
      inProgress: false,
    };
  }
  const { id, status } = deployment;
  if (status === 'SUCCESS') {
    return {
      status: 'True',
      reason: Reason.DeploymentSucceeded,
      message: `deployment ${id} serves ${url}`,
      inProgress: false,
    };
  }
  if (IN_PROGRESS.has(status)) {
    return {
      status: 'Unknown',
      reason: Reason.Reconciling,
      message: `deployment ${id} is ${status}`,
      inProgress: true,
    };
  }
  if (status === 'FAILED' || status === 'CRASHED') {
    const why = diagnosisSummary(deployment.diagnosis);
    return {
      status: 'False',
      reason: status === 'FAILED' ? Reason.DeploymentFailed : Reason.DeploymentCrashed,
      message: `deployment ${id} is ${status}${why ? `: ${why}` : ''}`,
      inProgress: false,
    };
  }
  return {
    status: 'Unknown',
    reason: Reason.DeploymentUnknown,
    message: `deployment ${id} is ${status}`,
    inProgress: false,
  };
}

function diagnosisSummary(diagnosis: unknown): string | undefined {
  if (typeof diagnosis === 'string') return diagnosis.slice(0, 500);
  if (diagnosis && typeof diagnosis === 'object') {
    const d = diagnosis as Record<string, unknown>;
    const text = d.summary ?? d.message ?? d.reason;
    if (typeof text === 'string') return text.slice(0, 500);
  }
  return undefined;
}
