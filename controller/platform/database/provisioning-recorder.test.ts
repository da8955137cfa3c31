import { describe, expect, it } from 'vitest';
import type { ComponentReport, ReconcileReport } from '../../department/report.ts';
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
  it('does map each component onto the seed’s steps, runtime onto railway and agent-health onto docker', () => {
    const { progress, failure } = progressOf(
      report('Active', [
        c('database', 'True'),
        c('runtime', 'True'),
        c('agent-health', 'True', 'Healthy'),
        c('workflows', 'True'),
        c('oauth', 'True'),
      ]),
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
      c('agent-health', 'Unknown', 'DependencyNotReady'),
      c('workflows', 'Unknown', 'DependencyNotReady'),
      c('oauth', 'Unknown', 'Reconciling'),
    ];
    const { progress, failure, steps } = progressOf(report('Provisioning', components));
    expect(progress).toMatchObject({
      database: 'completed',
      railway: 'failed',
      docker: 'pending',
      n8n: 'pending',
      oauth: 'in_progress',
    });
    expect(failure).toBe('runtimeReady: DeploymentFailed: runtime says DeploymentFailed');
    expect(steps.runtime).toMatchObject({ step: 'railway', state: 'failed', reason: 'DeploymentFailed' });
  });

  it('does report docker from the agent’s own health, not from the deployment', () => {
    const { progress } = progressOf(
      report('Failed', [c('runtime', 'True', 'DeploymentSucceeded'), c('agent-health', 'False', 'Unreachable')]),
    );
    expect(progress).toMatchObject({ railway: 'completed', docker: 'failed' });
  });

  it('does say not_configured or skipped for steps that do not apply', () => {
    const none = progressOf(report('Active', [c('database', 'True'), c('oauth', 'True', 'NotConfigured')]));
    expect(none.progress).toEqual({
      database: 'completed',
      oauth: 'not_configured',
      // No runtime, agent-health or workflows component on this controller.
      railway: 'not_configured',
      docker: 'not_configured',
      n8n: 'not_configured',
    });
    expect(none.steps.oauth).toMatchObject({ state: 'not_configured', reason: 'NotConfigured' });
    const unused = progressOf(report('Active', [c('oauth', 'True', 'NotUsed')]));
    expect(unused.progress.oauth).toBe('skipped');
  });
});
