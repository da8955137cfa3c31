import { describe, expect, it } from 'vitest';
import { Reason } from './conditions.ts';
import { deploymentCondition } from './deployment-condition.ts';

const deployment = (status: string, diagnosis: unknown = null) => ({
  id: 'd1',
  status,
  url: null,
  staticUrl: null,
  diagnosis,
});

describe('deploymentCondition', () => {
  it('is True on SUCCESS', () => {
    expect(deploymentCondition(deployment('SUCCESS'), 'https://x')).toMatchObject({
      status: 'True',
      reason: Reason.DeploymentSucceeded,
      inProgress: false,
    });
  });

  it('is Reconciling while queued, building or deploying', () => {
    for (const s of ['QUEUED', 'BUILDING', 'DEPLOYING']) {
      expect(deploymentCondition(deployment(s), 'https://x')).toMatchObject({
        status: 'Unknown',
        reason: Reason.Reconciling,
        inProgress: true,
      });
    }
  });

  it('is False with the reason on FAILED and CRASHED', () => {
    expect(deploymentCondition(deployment('FAILED', { summary: 'no /health' }), 'https://x')).toMatchObject({
      status: 'False',
      reason: Reason.DeploymentFailed,
      message: 'deployment d1 is FAILED: no /health',
    });
    expect(deploymentCondition(deployment('CRASHED'), 'https://x').reason).toBe(Reason.DeploymentCrashed);
  });
});
