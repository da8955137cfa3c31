import { RECONCILE_REQUEST_ANNOTATION } from '../../crds/names.ts';
import { RailwayApi } from '../../pulumi/railway/api.ts';
import { RailwayClient } from '../../pulumi/railway/client.ts';
import { type RuntimeOutputs, RuntimeStacks, type StackLock, type StackRun } from '../../pulumi/stack.ts';
import {
  type Component,
  type ComponentContext,
  ComponentError,
  type ComponentResult,
  type Observation,
} from '../component.ts';
import { Reason, RUNTIME_DRIFTED, RUNTIME_READY } from './conditions.ts';
import type { RuntimeConfig } from './config.ts';
import { deploymentCondition } from './deployment-condition.ts';
import { classifyEngineFailure } from './engine-failure.ts';
import { collectRuntimeInputs, inputsForRemoval } from './inputs.ts';
import { type EngineRunObserver, type Operation, type OperationKind, Operations } from './operations.ts';
import { type Applied, railwayDifferences } from './railway-drift.ts';
import { type PlatformSecret, readPlatformSecret } from './secrets.ts';

type ExtraCondition = NonNullable<ComponentResult['extraConditions']>[number];

interface EngineResult {
  outputs: RuntimeOutputs;
  locks: StackLock[];
  /** What a repair fixed (the drift found before it started). */
  repaired?: string;
  /** What a full check found (what it leads to is the Department reconciler's drift policy). */
  found?: string;
}

/** What observe read, and what apply does about it. */
interface Plan {
  observation: Observation;
  act: () => ComponentResult | Promise<ComponentResult>;
}

export interface RuntimeComponent extends Component {
  /** The department stacks; the benchmark reads `stacks.engineMs`. */
  stacks: RuntimeStacks;
  /** Engine runs in flight, tracked per department. */
  operations: Operations<EngineResult>;
  /** Shutdown: let running engine runs finish, at most `deadlineMs`. */
  drain(deadlineMs: number): Promise<boolean>;
}

const NO_DRIFT: ExtraCondition = {
  type: RUNTIME_DRIFTED,
  status: 'False',
  reason: Reason.NoDrift,
  message: 'Railway matches the declared runtime',
};

const PROGRESS: Record<OperationKind, string> = {
  create: 'creating the Railway project, service and domain',
  update: 'updating the Railway service',
  repair: 'repairing Railway',
  check: 'checking Railway with a full refresh',
};

/**
 * The `runtime` component: the department's voice agent on Railway, as a Pulumi stack per department.
 *
 * An engine run (create, update, repair, full check) is a tracked operation: the reconcile that needs one starts
 * it and returns at once with RuntimeReady Unknown, reason Provisioning; the run's end asks for a reconcile,
 * which takes its result. A spec change meanwhile is acknowledged at once and waits for the run (never two on
 * one stack). Steady state costs no engine at all: observe compares what the last update applied
 * (Department.status.runtime) with Railway in two reads; the reconcile-request annotation or the periodic full
 * check starts an engine check. Drift either finds is the Department reconciler's to decide on (driftPolicy):
 * apply repairs it with an engine run.
 */
export function createRuntimeComponent(
  config: RuntimeConfig,
  hooks: { onEngineRun?: EngineRunObserver } = {},
): RuntimeComponent {
  const onEngineRun = hooks.onEngineRun ?? (() => {});
  const stacks = new RuntimeStacks({
    backendUrl: config.backendUrl,
    cliRoot: config.cli.root,
    pulumiHome: config.cli.pulumiHome,
    workRoot: config.workRoot,
    railwayUrl: config.railwayUrl,
    concurrency: config.concurrency,
    operationTimeoutMs: config.operationTimeoutMs,
  });
  const operations = new Operations<EngineResult>(onEngineRun);
  /** When each department last had a full engine check; spread over the interval so they do not come together. */
  const lastFullCheck = new Map<string, number>();
  /** What the last full check found, shown until a later check finds it gone or an engine run repairs it. */
  const reportedDrift = new Map<string, string>();
  /** What observe planned for the apply that follows it in the same pass (the same context object). */
  const plans = new WeakMap<ComponentContext, Plan>();
  /** The cause of a department's last failed engine run, reported while its retry runs (see progressing). */
  const lastFailure = new Map<string, { reason: string; message: string; digest: string }>();

  /** An engine failure becomes a ComponentError naming its cause, in one redacted line. */
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

  function api(platform: PlatformSecret): RailwayApi {
    return new RailwayApi(new RailwayClient({ url: config.railwayUrl, token: platform.creds.railwayToken }));
  }

  function railwayFailure(platform: PlatformSecret) {
    return (e: unknown): never => {
      const cause = classifyEngineFailure(e, [platform.creds.railwayToken]);
      throw new ComponentError(cause.reason, cause.message);
    };
  }

  async function readiness(
    platform: PlatformSecret,
    applied: Applied,
    extra: ExtraCondition[],
    note: string,
  ): Promise<ComponentResult> {
    const deploymentUrl = `https://${applied.domain}`;
    const deployment = await api(platform).getDeployment(applied.deploymentId).catch(railwayFailure(platform));
    const { inProgress, ...condition } = deploymentCondition(deployment, deploymentUrl);
    const { projectId, serviceId, deploymentId, environmentId, domain, inputsDigest } = applied;
    return {
      condition: { ...condition, message: condition.message + note },
      extraConditions: extra,
      status: {
        projectId,
        serviceId,
        deploymentUrl,
        runtime: { environmentId, deploymentId, domain, inputsDigest },
      },
      // deploymentId: the agent health monitor restarts its startup grace for a new deployment.
      outputs: { projectId, serviceId, deploymentUrl, deploymentId },
      ...(inProgress ? { requeueAfterMs: config.pollMs } : {}),
    };
  }

  /**
   * The condition while an engine run is in flight. No requeue: the run's end enqueues the Department. The
   * message says when the run started rather than for how long, so that repeating it writes nothing.
   */
  function progressing(name: string, op: Operation<EngineResult>, digest: string): ComponentResult {
    const waiting = op.digest !== digest ? '; the newer spec is applied when it ends' : '';
    const since = new Date(op.startedAt).toISOString().replace(/\.\d+Z$/, 'Z');
    // A retry of a run that failed keeps saying why (Railway unavailable, rate-limited, ...) until one succeeds,
    // rather than flapping between the cause and Provisioning.
    const failed = lastFailure.get(name);
    if (failed && failed.digest === op.digest) {
      return { condition: { status: 'False', reason: failed.reason, message: failed.message } };
    }
    return {
      condition: {
        status: 'Unknown',
        reason: Reason.Provisioning,
        message: `Pulumi is ${PROGRESS[op.kind]} (since ${since})${waiting}`,
      },
    };
  }

  /** Starts an engine run for the department; the reconcile returns while it runs. */
  function start(
    ctx: ComponentContext,
    kind: OperationKind,
    digest: string,
    run: () => Promise<EngineResult>,
  ): ComponentResult {
    const name = ctx.department.metadata.name;
    return progressing(name, operations.start(name, kind, digest, run), digest);
  }

  function appliedFromStatus(ctx: ComponentContext): Applied | undefined {
    const s = ctx.department.status;
    if (!s?.runtime || !s.projectId || !s.serviceId) return undefined;
    return { projectId: s.projectId, serviceId: s.serviceId, ...s.runtime };
  }

  /** A full engine check is due: asked for with the reconcile-request annotation, or the periodic one. */
  function fullCheckDue(ctx: ComponentContext): boolean {
    const { metadata, status } = ctx.department;
    const request = metadata.annotations?.[RECONCILE_REQUEST_ANNOTATION];
    if (request !== undefined && request !== status?.lastHandledReconcileRequest) return true;
    const name = metadata.name;
    if (!lastFullCheck.has(name)) lastFullCheck.set(name, Date.now() - Math.random() * config.fullCheckMs);
    return Date.now() - (lastFullCheck.get(name) as number) >= config.fullCheckMs;
  }

  /**
   * Reads where the department's runtime stands (an engine run in flight or just ended, the spec's digest, a full
   * check due, Railway's two cheap reads) and plans what apply does: nothing, create, update, a full check, or a
   * repair of the drift found.
   */
  async function plan(ctx: ComponentContext): Promise<Plan> {
    const name = ctx.department.metadata.name;
    const platform = await readPlatformSecret(ctx.kube, config.platformSecret);
    const { inputs, secretValues } = await collectRuntimeInputs(ctx, config, platform);
    const { creds } = platform;
    const digest = stacks.digest(inputs, creds);
    const settled = (current: ComponentResult): Plan => ({
      observation: { exists: true, upToDate: true, current },
      act: () => current,
    });
    const running = operations.get(name);
    if (running && !running.done) {
      // A full check of an unchanged runtime keeps reporting what runs; anything else shows Provisioning.
      const current = appliedFromStatus(ctx);
      if (running.kind === 'check' && current?.inputsDigest === digest) {
        return settled(await readiness(platform, current, [NO_DRIFT], '; a full Pulumi check is running'));
      }
      return settled(progressing(name, running, digest));
    }

    const up = (kind: OperationKind, refresh: boolean, repaired?: string) =>
      start(ctx, kind, digest, async () => {
        const run = await engine(secretValues, () => stacks.up(inputs, creds, { refresh }));
        return { outputs: run.value, locks: run.clearedLocks, ...(repaired ? { repaired } : {}) };
      });

    let applied = appliedFromStatus(ctx);
    const reported = reportedDrift.get(name);
    let drifted: ExtraCondition = reported
      ? { type: RUNTIME_DRIFTED, status: 'True', reason: Reason.DriftDetected, message: reported }
      : NO_DRIFT;
    let note = '';
    const finished = operations.take(name);
    if (finished) {
      if (finished.error) {
        if (finished.error instanceof ComponentError) {
          const { reason, message } = finished.error;
          lastFailure.set(name, { reason, message, digest: finished.digest });
        }
        throw finished.error;
      }
      lastFailure.delete(name);
      const result = finished.value as EngineResult;
      applied = result.outputs;
      note = await lockNotice(ctx, result.locks);
      if (result.repaired) {
        drifted = { ...NO_DRIFT, reason: Reason.DriftRemediated, message: `repaired: ${result.repaired}` };
        await ctx.events.event('Normal', Reason.DriftRemediated, drifted.message);
      }
      // An update refreshes first: what a check found is gone, or was repaired (said above).
      if (finished.kind !== 'check' && reportedDrift.delete(name) && !result.repaired) drifted = NO_DRIFT;
      if (finished.kind === 'check') {
        lastFullCheck.set(name, Date.now());
        if (result.found) {
          reportedDrift.set(name, result.found);
          drifted = { type: RUNTIME_DRIFTED, status: 'True', reason: Reason.DriftDetected, message: result.found };
        } else {
          reportedDrift.delete(name);
          drifted = NO_DRIFT;
        }
      }
    }
    if (!finished && !reported) {
      // A repair is reported until something newer is known (a spec update, a check, new drift): the condition
      // keeps saying what was repaired, not only the Event.
      const previous = ctx.department.status?.conditions?.find((c) => c.type === RUNTIME_DRIFTED);
      if (previous?.reason === Reason.DriftRemediated) {
        drifted = { ...NO_DRIFT, reason: previous.reason, message: previous.message ?? '' };
      }
    }
    if (!applied) {
      // No update on record (a new Department, or one from before status.runtime): the stack's own outputs
      // say whether there is anything to update; read in the operation, so this reconcile never waits on the
      // engine queue.
      return {
        observation: { exists: false, upToDate: false },
        act: () =>
          start(ctx, 'create', digest, async () => {
            const run = await engine(secretValues, () => stacks.converge(inputs, creds));
            return { outputs: run.value, locks: run.clearedLocks };
          }),
      };
    }
    if (applied.inputsDigest !== digest) {
      return { observation: { exists: true, upToDate: false }, act: () => up('update', true) };
    }

    const outputs = applied;
    if (!finished && fullCheckDue(ctx)) {
      return {
        observation: { exists: true, upToDate: false },
        act: () => {
          lastFullCheck.set(name, Date.now());
          return start(ctx, 'check', digest, async () => {
            const drift = await engine(secretValues, () => stacks.drift(inputs, creds));
            const found = drift.value.differences.join('; ');
            return { outputs, locks: drift.clearedLocks, ...(found ? { found } : {}) };
          });
        },
      };
    }

    const differences = await railwayDifferences(api(platform), applied, inputs).catch(railwayFailure(platform));
    const known = reportedDrift.get(name);
    const drift = differences.length > 0 ? differences : known ? [known] : [];
    const current = await readiness(platform, applied, [drifted], note);
    if (drift.length === 0) return settled(current);
    return {
      observation: { exists: true, upToDate: false, drift, current },
      act: () => up('repair', true, drift.join('; ')),
    };
  }

  return {
    name: 'runtime',
    conditionType: RUNTIME_READY,
    dependsOn: ['namespace', 'database'],
    stacks,
    operations,
    drain: (deadlineMs) => operations.drain(deadlineMs),
    watch(enqueue) {
      operations.onDone(enqueue);
      return () => operations.onDone(() => {});
    },

    drift: {
      subject: 'Railway',
      conditionType: RUNTIME_DRIFTED,
      policy: (department) => department.spec.runtime?.driftPolicy ?? 'Remediate',
    },

    async observe(ctx) {
      const planned = await plan(ctx);
      plans.set(ctx, planned);
      return planned.observation;
    },

    async apply(ctx) {
      const planned = plans.get(ctx) ?? (await plan(ctx));
      plans.delete(ctx);
      return planned.act();
    },

    async delete(ctx) {
      const name = ctx.department.metadata.name;
      const running = operations.get(name);
      if (running && !running.done) {
        return {
          condition: { status: 'False', reason: Reason.Provisioning, message: 'waiting for a Pulumi run to end' },
          requeueAfterMs: config.pollMs,
        };
      }
      operations.forget(name);
      lastFullCheck.delete(name);
      lastFailure.delete(name);
      reportedDrift.delete(name);
      const platform = await readPlatformSecret(ctx.kube, config.platformSecret);
      const retain = ctx.department.spec.deletionPolicy === 'Retain';
      const secrets = [platform.creds.passphrase, platform.creds.railwayToken];
      const started = Date.now();
      const run = await engine(secrets, () =>
        stacks.remove(inputsForRemoval(ctx.department.metadata.name), platform.creds, retain),
      ).then(
        (done) => {
          onEngineRun('delete', 'success', (Date.now() - started) / 1000);
          return done;
        },
        (err: unknown) => {
          onEngineRun('delete', 'error', (Date.now() - started) / 1000);
          throw err;
        },
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
