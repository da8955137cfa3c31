import {
  type Component,
  type ComponentContext,
  ComponentError,
  type ComponentResult,
} from '../../controller/core/component.ts';
import { RailwayApi } from '../../pulumi/railway/api.ts';
import { RailwayClient } from '../../pulumi/railway/client.ts';
import { type RuntimeOutputs, RuntimeStacks, type StackLock, type StackRun } from '../../pulumi/stack.ts';
import { Reason, RUNTIME_DRIFTED, RUNTIME_READY } from './conditions.ts';
import type { RuntimeConfig } from './config.ts';
import { deploymentCondition } from './deployment-condition.ts';
import { collectRuntimeInputs, inputsForRemoval } from './inputs.ts';
import { classifyEngineFailure } from './redact.ts';
import { type PlatformSecret, readPlatformSecret } from './secrets.ts';

type ExtraCondition = NonNullable<ComponentResult['extraConditions']>[number];

export interface RuntimeComponent extends Component {
  /** The department stacks; the benchmark reads `stacks.engineMs`. */
  stacks: RuntimeStacks;
}

/**
 * The `runtime` component: the department's voice agent on Railway, as a Pulumi stack per department.
 * Inputs changed -> up; otherwise refresh + preview, and a difference is repaired (Remediate) or reported (Report).
 */
export function createRuntimeComponent(config: RuntimeConfig): RuntimeComponent {
  const stacks = new RuntimeStacks({
    backendUrl: config.backendUrl,
    cliRoot: config.cli.root,
    pulumiHome: config.cli.pulumiHome,
    workRoot: config.workRoot,
    railwayUrl: config.railwayUrl,
    concurrency: config.concurrency,
  });

  /**
   * Runs a stack operation; an engine failure becomes a ComponentError naming its cause (RailwayUnavailable,
   * RailwayRateLimited, ...) with one redacted line, retried with the work queue's backoff.
   */
  async function engine<T>(secretValues: string[], op: () => Promise<StackRun<T>>): Promise<StackRun<T>> {
    try {
      return await op();
    } catch (e) {
      const cause = classifyEngineFailure(e, secretValues);
      throw new ComponentError(cause.reason, cause.message);
    }
  }

  async function lockNotice(ctx: ComponentContext, locks: StackLock[]): Promise<string> {
    if (!locks.length) return '';
    const holders = locks.map((l) => `pid ${l.pid} on ${l.host} since ${l.at.toISOString()}`).join(', ');
    const note = `cleared a stale stack lock (${holders}) left by an interrupted update`;
    await ctx.events.event('Warning', Reason.StaleLockCleared, note);
    return `; ${note}`;
  }

  async function readiness(
    platform: PlatformSecret,
    outputs: RuntimeOutputs,
    extra: ExtraCondition[],
    note: string,
  ): Promise<ComponentResult> {
    const api = new RailwayApi(new RailwayClient({ url: config.railwayUrl, token: platform.creds.railwayToken }));
    const deploymentUrl = `https://${outputs.domain}`;
    const deployment = await api.getDeployment(outputs.deploymentId).catch((e: unknown) => {
      const cause = classifyEngineFailure(e, [platform.creds.railwayToken]);
      throw new ComponentError(cause.reason, cause.message);
    });
    const { inProgress, ...condition } = deploymentCondition(deployment, deploymentUrl);
    return {
      condition: { ...condition, message: condition.message + note },
      extraConditions: extra,
      status: { projectId: outputs.projectId, serviceId: outputs.serviceId, deploymentUrl },
      // deploymentId: the agent health monitor restarts its startup grace for a new deployment.
      outputs: {
        projectId: outputs.projectId,
        serviceId: outputs.serviceId,
        deploymentUrl,
        deploymentId: outputs.deploymentId,
      },
      ...(inProgress ? { requeueAfterMs: config.pollMs } : {}),
    };
  }

  return {
    name: 'runtime',
    conditionType: RUNTIME_READY,
    dependsOn: ['namespace', 'database'],
    stacks,

    async apply(ctx) {
      const platform = await readPlatformSecret(ctx.kube, config.platformSecret);
      const { inputs, secretValues } = await collectRuntimeInputs(ctx, config, platform);
      const { creds } = platform;
      const current = await engine(secretValues, () => stacks.outputs(inputs, creds));
      const locks = [...current.clearedLocks];
      let drifted: ExtraCondition = {
        type: RUNTIME_DRIFTED,
        status: 'False',
        reason: Reason.NoDrift,
        message: 'Railway matches the declared runtime',
      };
      let outputs = current.value;

      if (!outputs || outputs.inputsDigest !== stacks.digest(inputs, creds)) {
        const run = await engine(secretValues, () => stacks.up(inputs, creds));
        locks.push(...run.clearedLocks);
        outputs = run.value;
      } else {
        const drift = await engine(secretValues, () => stacks.drift(inputs, creds));
        locks.push(...drift.clearedLocks);
        if (drift.value.differences.length) {
          const summary = drift.value.differences.join('; ');
          if (ctx.department.spec.runtime?.driftPolicy === 'Report') {
            drifted = {
              type: RUNTIME_DRIFTED,
              status: 'True',
              reason: Reason.DriftDetected,
              message: `Railway differs: ${summary}`,
            };
            await ctx.events.event('Warning', Reason.DriftDetected, drifted.message);
          } else {
            const run = await engine(secretValues, () => stacks.up(inputs, creds));
            locks.push(...run.clearedLocks);
            outputs = run.value;
            drifted = {
              type: RUNTIME_DRIFTED,
              status: 'False',
              reason: Reason.DriftRemediated,
              message: `repaired: ${summary}`,
            };
            await ctx.events.event('Normal', Reason.DriftRemediated, drifted.message);
          }
        }
      }
      return readiness(platform, outputs, [drifted], await lockNotice(ctx, locks));
    },

    async delete(ctx) {
      const platform = await readPlatformSecret(ctx.kube, config.platformSecret);
      const retain = ctx.department.spec.deletionPolicy === 'Retain';
      const secrets = [platform.creds.passphrase, platform.creds.railwayToken];
      const run = await engine(secrets, () =>
        stacks.remove(inputsForRemoval(ctx.department.metadata.name), platform.creds, retain),
      );
      const note = await lockNotice(ctx, run.clearedLocks);
      return retain
        ? {
            condition: {
              status: 'False',
              reason: Reason.Retained,
              message: `Railway project left running; stack removed from state${note}`,
            },
          }
        : {
            condition: {
              status: 'False',
              reason: Reason.Deleted,
              message: `Railway project deleted and stack removed${note}`,
            },
          };
    },
  };
}
