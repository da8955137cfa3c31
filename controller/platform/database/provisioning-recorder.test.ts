import { describe, expect, it } from 'vitest';
import type { ComponentReport, ReconcileReport } from '../../core/department/report.ts';
import { progressOf } from './provisioning-recorder.ts';

const c = (component: string, status: ComponentReport['status'], reason = 'R', terminal = false): ComponentReport => ({
  component,
  conditionType: `${component}Ready`,
  status,
  reason,
  message: `${component} says ${reason}`,
  terminal,
});
const report = (phase: ReconcileReport['phase'], components: ComponentReport[]): ReconcileReport => ({
  phase,
  deleting: false,
  starting: false,
  components,
  status: {},
});

describe('provisioning recorder progress', () => {
  it('does map each component onto the seed’s steps, runtime onto railway and docker', () => {
    const { progress, failure } = progressOf(
      report('Active', [c('database', 'True'), c('runtime', 'True'), c('workflows', 'True'), c('oauth', 'True')]),
    );
    expect(progress).toEqual({
      database: 'completed',
      railway: 'completed',
      docker: 'completed',
      n8n: 'completed',
      oauth: 'completed',
    });
    expect(failure).toBeUndefined();
  });

  it('does mark a failing step failed, with the failing step’s reason', () => {
    const components = [
      c('database', 'True'),
      c('runtime', 'False', 'DeploymentFailed'),
      c('workflows', 'Unknown', 'DependencyNotReady'),
      c('oauth', 'Unknown', 'Reconciling'),
    ];
    const { progress, failure, steps } = progressOf(report('Provisioning', components));
    expect(progress).toMatchObject({
      database: 'completed',
      railway: 'failed',
      docker: 'failed',
      n8n: 'pending',
      oauth: 'in_progress',
    });
    expect(failure).toBe('runtimeReady: DeploymentFailed: runtime says DeploymentFailed');
    expect(steps.runtime).toMatchObject({ step: 'railway+docker', state: 'failed', reason: 'DeploymentFailed' });
  });
});
