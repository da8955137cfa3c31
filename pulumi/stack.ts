import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as pulumi from '@pulumi/pulumi';
import PQueue from 'p-queue';
import { type EngineEnvOptions, engineEnv } from './engine-env.ts';
import { guardedCliRoot } from './engine-processes/private-cli.ts';
import { sweepStaleEngines } from './engine-processes/sweep.ts';
import { EngineTimeoutError } from './engine-timeout.ts';
import { digestInputs, type RuntimeInputs } from './inputs.ts';
import { isStale, parseStackLocks, processAlive, type StackLock } from './stack-lock.ts';
import { removeStackLeftovers } from './state-cleanup.ts';

type Stack = pulumi.automation.Stack;
type EngineEvent = pulumi.automation.EngineEvent;

export const PULUMI_PROJECT = 'federation-runtime';

export interface RuntimeStacksOptions extends Pick<EngineEnvOptions, 'pulumiHome'> {
  /** State backend: postgres://... (Pulumi's PostgreSQL DIY backend) or file://... for development. */
  backendUrl: string;
  /** Directory of the pulumi CLI install (`<root>/bin/pulumi`). */
  cliRoot: string;
  /** Each stack gets its own workspace directory below this one. */
  workRoot: string;
  railwayUrl: string;
  /** Stacks of different departments running at once (default 4). */
  concurrency?: number;
  /** A lock held by another host counts as stale after this long (default 15 min). */
  staleLockAfterMs?: number;
  /**
   * An engine run still going after this long is stopped (default 15 min; a normal run takes seconds): the CLI
   * gets SIGINT to cancel, and its guard SIGKILLs its process group if it has not ended 20 s later. The stack lock
   * it leaves is stale (its pid is gone) and is cleared by the next run.
   */
  operationTimeoutMs?: number;
}

export interface RuntimeOutputs {
  projectId: string;
  environmentId: string;
  serviceId: string;
  deploymentId: string;
  domain: string;
  inputsDigest: string;
}

/** Secrets an operation needs, read from the platform Secret each time so rotation takes effect. */
export interface StackCredentials {
  passphrase: string;
  railwayToken: string;
}

export type { StackLock } from './stack-lock.ts';

export interface StackRun<T> {
  value: T;
  /** Locks found stale and cleared before the operation could run. */
  clearedLocks: StackLock[];
}

export interface Drift {
  /** One line per resource that differs, e.g. "voice-agent (railway:Service) create". */
  differences: string[];
}

/**
 * The Pulumi SDK and the program, loaded at the first engine run: the SDK takes about 1 s to load on 2 cores, and
 * a controller whose stacks are all up to date (a restart) compares input digests without it.
 */
let engineModules: Promise<[typeof import('@pulumi/pulumi'), typeof import('./program.ts')]> | undefined;
function loadEngine(): NonNullable<typeof engineModules> {
  engineModules ??= Promise.all([import('@pulumi/pulumi'), import('./program.ts')]);
  return engineModules;
}

/** Pulumi stacks of the department runtimes: one stack and one workspace directory per department. */
export class RuntimeStacks {
  private readonly queue: PQueue;
  private readonly perStack = new Map<string, Promise<unknown>>();
  private command: Promise<pulumi.automation.PulumiCommand> | undefined;
  /** Each department's stack, selected by an earlier run of this controller. */
  private readonly selected = new Map<string, Stack>();
  /** Milliseconds spent in stack operations (engine and provider), for the benchmark. */
  engineMs = 0;
  /** Pids of engine processes a previous controller left behind, killed when these stacks were set up. */
  readonly sweptAtStart: number[];

  constructor(private readonly options: RuntimeStacksOptions) {
    this.queue = new PQueue({ concurrency: engineSlots(options.concurrency ?? 4) });
    this.sweptAtStart = sweepStaleEngines().killed;
  }

  digest(inputs: RuntimeInputs, creds: StackCredentials): string {
    return digestInputs(inputs, creds.passphrase);
  }

  /**
   * Converges the stack to the inputs, refreshing first so that changes behind our back are repaired; a stack
   * that has never been updated has nothing to refresh (`refresh: false` saves that engine step).
   */
  up(
    inputs: RuntimeInputs,
    creds: StackCredentials,
    opts: { refresh?: boolean } = {},
  ): Promise<StackRun<RuntimeOutputs>> {
    return this.run(inputs, creds, (stack, signal) => update(stack, signal, opts.refresh ?? true));
  }

  /**
   * A stack with no update on record in the caller's status: its own outputs when they are for these inputs
   * (adopted as they are), otherwise an update (refreshed first when the stack has resources). One engine
   * workspace and one queue slot for both; a stack this run created has no outputs to read.
   */
  converge(inputs: RuntimeInputs, creds: StackCredentials): Promise<StackRun<RuntimeOutputs>> {
    const digest = this.digest(inputs, creds);
    const op = async (stack: SelectedStack, signal: AbortSignal) => {
      if (stack.created) return update(stack, signal, false);
      const outs = await stack.stack.outputs();
      if (outs.projectId && toOutputs(outs).inputsDigest === digest) return toOutputs(outs);
      signal.throwIfAborted(); // the deadline may have passed while the outputs were read
      return update(stack, signal, Boolean(outs.projectId));
    };
    return this.run(inputs, creds, op, { likelyNew: true });
  }

  /** Refresh and preview without changing state: what differs between Railway and the inputs. */
  drift(inputs: RuntimeInputs, creds: StackCredentials): Promise<StackRun<Drift>> {
    return this.run(inputs, creds, async ({ stack }, signal) => {
      const differences: string[] = [];
      await stack.preview({ refresh: true, signal, onEvent: (e) => collectDifference(e, differences) });
      return { differences };
    });
  }

  /**
   * Destroys the resources (unless retained) and removes the stack from the backend, with what `stack rm` leaves
   * of it there (its last checkpoint, backups and history), so that a deleted department leaves no state.
   */
  remove(inputs: RuntimeInputs, creds: StackCredentials, retain: boolean): Promise<StackRun<void>> {
    return this.run(inputs, creds, async ({ stack }, signal) => {
      this.selected.delete(inputs.department);
      if (!retain) await withoutReadBack(stack).destroy({ signal });
      await stack.workspace.removeStack(stack.name, { force: retain });
      await removeStackLeftovers(this.options.backendUrl, PULUMI_PROJECT, stack.name);
      await rm(this.workDir(inputs.department), { recursive: true, force: true });
    });
  }

  private workDir(department: string): string {
    return join(this.options.workRoot, department);
  }

  /**
   * One operation per stack at a time, at most `concurrency` stacks at once, stale locks cleared.
   */
  private run<T>(
    inputs: RuntimeInputs,
    creds: StackCredentials,
    op: (stack: SelectedStack, signal: AbortSignal) => Promise<T>,
    how: { likelyNew?: boolean } = {},
  ): Promise<StackRun<T>> {
    const previous = this.perStack.get(inputs.department) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.queue.add(() => this.runLocked(inputs, creds, op, how)) as Promise<StackRun<T>>);
    this.perStack.set(inputs.department, next);
    const forget = () => {
      if (this.perStack.get(inputs.department) === next) this.perStack.delete(inputs.department);
    };
    next.then(forget, forget);
    return next;
  }

  private async runLocked<T>(
    inputs: RuntimeInputs,
    creds: StackCredentials,
    op: (stack: SelectedStack, signal: AbortSignal) => Promise<T>,
    how: { likelyNew?: boolean },
  ): Promise<StackRun<T>> {
    const started = Date.now();
    const timeoutMs = this.options.operationTimeoutMs ?? 15 * 60_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const clearedLocks: StackLock[] = [];
      const stack = await this.stack(inputs, creds, how.likelyNew ?? false);
      for (;;) {
        try {
          // A signal aborted before the engine command starts would never reach it (the stack setup can be slow).
          deadline.throwIfAborted();
          return { value: await op(stack, deadline), clearedLocks };
        } catch (e) {
          // Selected again by the next run: the stack or its workspace may be what failed.
          this.selected.delete(inputs.department);
          if (deadline.aborted) throw new EngineTimeoutError(timeoutMs);
          const locks = parseStackLocks(e instanceof Error ? e.message : '');
          if (locks?.length) await endOrphanedHolders(locks);
          const staleAfter = this.options.staleLockAfterMs ?? 15 * 60_000;
          if (!locks?.length || !locks.every((l) => isStale(l, staleAfter)) || clearedLocks.length > 0) throw e;
          await stack.stack.cancel();
          clearedLocks.push(...locks);
        }
      }
    } finally {
      this.engineMs += Date.now() - started;
    }
  }

  /**
   * The department's stack, selected once (`pulumi stack select` costs 0.2 s of CPU; every command names its stack
   * anyway), or created when the backend has none (tried first when it `likelyNew`); the program and the
   * environment are this run's.
   */
  private async stack(inputs: RuntimeInputs, creds: StackCredentials, likelyNew: boolean): Promise<SelectedStack> {
    const o = this.options;
    // The CLI runs under a guard from a private root, so that it never outlives this controller.
    const [{ automation }, { runtimeProgram }] = await loadEngine();
    const resolved: { outputs?: pulumi.automation.OutputMap } = {};
    const program = runtimeProgram(inputs, this.digest(inputs, creds), (outs) => {
      resolved.outputs = Object.fromEntries(Object.entries(outs).map(([k, value]) => [k, { value, secret: false }]));
    });
    const envVars = engineEnv({ ...o, ...creds });
    const known = this.selected.get(inputs.department);
    if (known) {
      known.workspace.program = program;
      known.workspace.envVars = envVars;
      return { stack: known, created: false, resolved: () => resolved.outputs };
    }
    this.command ??= guardedCliRoot(o.cliRoot, join(o.workRoot, '.engine')).then((root) =>
      automation.PulumiCommand.get({ root }),
    );
    const workDir = this.workDir(inputs.department);
    await mkdir(workDir, { recursive: true });
    if (o.backendUrl.startsWith('file://')) await mkdir(new URL(o.backendUrl).pathname, { recursive: true });
    const workspace = await automation.LocalWorkspace.create({
      workDir,
      program,
      pulumiHome: o.pulumiHome,
      pulumiCommand: await this.command,
      envVars,
      projectSettings: { name: PULUMI_PROJECT, runtime: 'nodejs', backend: { url: o.backendUrl } },
      secretsProvider: 'passphrase',
    });
    const { Stack, StackNotFoundError } = automation;
    const name = inputs.department;
    let created = likelyNew;
    const stack = likelyNew
      ? // An existing stack refuses `stack init` (and a locked one says so rather than that it exists): selected.
        await Stack.create(name, workspace).catch(() => {
          created = false;
          return Stack.select(name, workspace);
        })
      : await Stack.select(name, workspace).catch((e: unknown) => {
          if (!(e instanceof StackNotFoundError)) throw e;
          created = true;
          return Stack.create(name, workspace);
        });
    this.selected.set(inputs.department, stack);
    return { stack, created, resolved: () => resolved.outputs };
  }
}

/** A department's stack as an operation gets it. */
interface SelectedStack {
  stack: Stack;
  /** Created by this run: no update, no outputs yet. */
  created: boolean;
  /** The outputs the program resolved in this process during this run's update, if it ran one. */
  resolved: () => pulumi.automation.OutputMap | undefined;
}

/** An update of the stack to the program's inputs, returning its outputs. */
async function update(selected: SelectedStack, signal: AbortSignal, refresh: boolean): Promise<RuntimeOutputs> {
  const result = await withoutReadBack(selected.stack, selected.resolved).up({ refresh, signal });
  return toOutputs(result.outputs);
}

/**
 * The stack as seen by the Automation API's up() and destroy(), minus what they read back when the engine is done:
 * the stack's outputs (two CLI runs, masked and in clear) and its last history entry (one more), about 1 s of CPU
 * per run on this machine. The outputs are those the program resolved in this process during the update (the
 * CLI's only when it resolved none); the history summary is never used.
 */
function withoutReadBack(stack: Stack, resolved?: () => pulumi.automation.OutputMap | undefined): Stack {
  const view = Object.create(stack) as Stack;
  view.outputs = async () => resolved?.() ?? stack.outputs();
  view.info = async () => undefined;
  return view;
}

/**
 * A lock held by a live engine process of a controller that is gone (killed with its process group before its
 * guard could act) is stale all the same: the sweep ends that process, and the lock is then cleared as any other.
 */
async function endOrphanedHolders(locks: StackLock[]): Promise<void> {
  const local = locks.filter((l) => l.host === hostname() && processAlive(l.pid));
  if (local.length === 0) return;
  const { killed } = sweepStaleEngines();
  const ended = local.filter((l) => killed.includes(l.pid));
  for (let waited = 0; waited < 3000 && ended.some((l) => processAlive(l.pid)); waited += 100) await sleep(100);
}

function toOutputs(outs: pulumi.automation.OutputMap): RuntimeOutputs {
  const value = (k: keyof RuntimeOutputs) => String(outs[k]?.value ?? '');
  return {
    projectId: value('projectId'),
    environmentId: value('environmentId'),
    serviceId: value('serviceId'),
    deploymentId: value('deploymentId'),
    domain: value('domain'),
    inputsDigest: value('inputsDigest'),
  };
}

function collectDifference(e: EngineEvent, into: string[]): void {
  const m = e.resourcePreEvent?.metadata;
  if (!m || ['same', 'read', 'refresh'].includes(m.op) || m.type.startsWith('pulumi:')) return;
  const name = m.urn.split('::').at(-1);
  const fields = m.diffs?.length ? ` [${m.diffs.filter((d) => d !== '__provider').join(', ')}]` : '';
  into.push(`${name} (${m.type.replace(/^railway:index:/, '')}) ${m.op}${fields}`);
}

/**
 * What one engine run holds in memory at its peak, rounded up: its processes (the guarded pulumi CLI and the
 * provider plugins, two at once in an update with refresh) at their own peaks, measured up to 350 MiB
 * (`npm run bench:runtime`); four runs at once measured 858 MiB together.
 */
export const ENGINE_MIB = 384;
/** The controller's own memory beside its engine runs (SDK, caches, inline programs), rounded up: measured up to 376 MiB. */
export const CONTROLLER_MIB = 512;
/** The smallest memory limit a controller pod may have: the controller and one engine run. */
export const CONTROLLER_MIN_LIMIT_MIB = CONTROLLER_MIB + ENGINE_MIB;

/**
 * Engine runs at once: the configured count, but no more than the memory this process may use holds beside the
 * controller's own (the cgroup limit in a container, the machine's memory otherwise), so that a burst never runs
 * the pod out of it; always one.
 */
export function engineSlots(count: number, limitBytes = memoryLimit()): number {
  const free = limitBytes / (1024 * 1024) - CONTROLLER_MIB;
  return Math.max(1, Math.min(count, Math.floor(free / ENGINE_MIB)));
}

function memoryLimit(): number {
  try {
    const limit = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (limit !== 'max') return Math.min(Number(limit), totalmem());
  } catch {
    // no cgroup v2 limit here
  }
  return totalmem();
}
