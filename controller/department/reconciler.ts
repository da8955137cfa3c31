import { apiPaths } from '../../crds/api-paths.ts';
import { API_VERSION, type Condition } from '../../crds/common.ts';
import type { DepartmentStatus } from '../../crds/department.ts';
import { FIELD_MANAGER, FINALIZER, namespaceFor, RECONCILE_REQUEST_ANNOTATION } from '../../crds/names.ts';
import type { Component, ComponentContext, DepartmentObject } from '../../reconcilers/component.ts';
import { ConditionType, getCondition, setCondition } from '../runtime/conditions.ts';
import type { EventSink } from '../runtime/events.ts';
import type { KubeApi } from '../runtime/kube-api.ts';
import type { Logger } from '../runtime/logger.ts';
import type { ReconcileResult } from '../runtime/reconcile-result.ts';
import { CheckSchedule, type OwnedVersion, type PassBasis } from './check-schedule.ts';
import {
  applyComponents,
  deleteComponents,
  isDeleted,
  type Outcome,
  type PassChecks,
  sortComponents,
} from './component-graph.ts';
import { Reason } from './reasons.ts';
import { componentReports, type OnReconciled } from './report.ts';
import { componentConditions, nextPhase, statusEqual, summarize } from './status.ts';

export interface DepartmentReconcilerDeps {
  client: KubeApi;
  get(name: string): DepartmentObject | undefined;
  components: Component[];
  events: EventSink;
  log: Logger;
  /** Consecutive failed reconciles of a key so far (from the work queue's backoff). */
  failures(name: string): number;
  /**
   * Called after each reconcile wrote status, with every component's outcome (e.g. to keep provisioning
   * records); an error fails the reconcile, so the record is retried with the same backoff.
   */
  onReconciled?: OnReconciled;
  /** The longest a component's check interval may be (the controller's resync period). */
  resyncPeriodMs: number;
  /**
   * The objects a Department owns (its namespace and Secrets, from the caches) by namespace/name: one deleted or
   * written by anyone but the controller has every component checked again.
   */
  owned?(name: string): ReadonlyMap<string, OwnedVersion>;
}

/** Raised after status was written, so the work queue retries with backoff. */
export class ComponentsFailedError extends Error {}

/** Reconciles one Department: finalizer, components in dependency order, conditions, phase, Events. */
export class DepartmentReconciler {
  private readonly components: Component[];
  /**
   * Departments whose finalizer this reconciler removed, by name → uid, until the informer shows them gone. A
   * pass queued while the finalizer was being removed can run on the cached copy from before (the DELETED event
   * has not arrived yet); without this it would run every component's delete (a Pulumi destroy) a second time.
   */
  private readonly released = new Map<string, string>();
  /** When each component of each Department is checked next (components with a check interval). */
  private readonly schedule: CheckSchedule;

  constructor(private readonly deps: DepartmentReconcilerDeps) {
    this.components = sortComponents(deps.components);
    this.schedule = new CheckSchedule(deps.resyncPeriodMs);
  }

  async reconcile(name: string, signal: AbortSignal): Promise<ReconcileResult> {
    let dept = this.deps.get(name);
    const released = this.released.get(name);
    if (released !== undefined && released !== dept?.metadata.uid) this.released.delete(name);
    if (!dept) {
      this.schedule.forget(name);
      return {};
    }
    const log = this.deps.log.child({ department: name });
    const context = (dependencies: ComponentContext['dependencies']): ComponentContext => ({
      department: dept as DepartmentObject,
      namespace: namespaceFor(name),
      kube: this.deps.client,
      dependencies,
      events: this.recorder(dept as DepartmentObject),
      log,
      signal,
    });

    if (dept.metadata.deletionTimestamp) {
      this.schedule.forget(name);
      return this.finalize(dept, context, log);
    }

    const request = dept.metadata.annotations?.[RECONCILE_REQUEST_ANNOTATION];
    const newRequest = request !== undefined && request !== dept.status?.lastHandledReconcileRequest;
    if (dept.spec.suspend) return this.suspended(dept, request);

    if (!dept.metadata.finalizers?.includes(FINALIZER)) {
      dept = await this.deps.client.mergePatch<DepartmentObject>(
        apiPaths.department(name),
        {
          metadata: {
            finalizers: [...(dept.metadata.finalizers ?? []), FINALIZER],
            resourceVersion: dept.metadata.resourceVersion,
          },
        },
        FIELD_MANAGER,
      );
    }

    let previous = dept.status ?? {};
    const specChanged = previous.observedGeneration !== dept.metadata.generation;
    if (specChanged || newRequest) previous = await this.startProvisioning(dept, previous, request);
    const outcomes = await applyComponents(this.components, context, this.passChecks(dept));
    const summary = summarize(outcomes);
    const phase = nextPhase(dept.status?.phase, summary, specChanged || newRequest, this.deps.failures(name));
    const now = new Date();
    const status: DepartmentStatus = {
      ...stripOwnFields(previous),
      ...Object.assign({}, ...outcomes.map((o) => o.result.status ?? {})),
      phase,
      observedGeneration: dept.metadata.generation,
      conditions: componentConditions(previous.conditions ?? [], outcomes, summary, dept.metadata.generation, now),
      ...(request !== undefined ? { lastHandledReconcileRequest: request } : {}),
    };
    await this.writeStatus(dept, status);
    await this.announce(dept, previous, status, outcomes);
    await this.deps.onReconciled?.(dept, {
      phase,
      deleting: false,
      starting: false,
      components: componentReports(outcomes),
      status,
    });

    const failed = outcomes.filter((o) => o.error !== undefined && !o.terminal);
    if (failed.length > 0) {
      throw new ComponentsFailedError(
        failed.map((f) => `${f.component.name}: ${f.result.condition.message}`).join('; '),
      );
    }
    const waits = outcomes.map((o) => o.result.requeueAfterMs).filter((ms): ms is number => ms !== undefined);
    return waits.length > 0 ? { requeueAfterMs: Math.min(...waits) } : {};
  }

  /**
   * The checks of one pass: a component's last check stands while the Department's uid, generation, labels and
   * annotations (a reconcile request among them) are what they were at that check, and the objects it owns too but
   * for the controller's own writes.
   */
  private passChecks(dept: DepartmentObject): PassChecks {
    const { name, uid, generation, labels, annotations } = dept.metadata;
    const basis: PassBasis = {
      department: JSON.stringify([uid, generation, labels ?? {}, annotations ?? {}]),
      owned: this.deps.owned?.(name) ?? new Map(),
    };
    return {
      reuse: (component, inputs) => this.schedule.reuse(name, component, basis, inputs),
      record: (component, inputs, result) => this.schedule.record(name, component, basis, inputs, result),
    };
  }

  /** A new generation (or a manual retry) shows Provisioning at once, before slow components run. */
  private async startProvisioning(
    dept: DepartmentObject,
    previous: DepartmentStatus,
    request: string | undefined,
  ): Promise<DepartmentStatus> {
    const status: DepartmentStatus = {
      ...previous,
      phase: 'Provisioning',
      observedGeneration: dept.metadata.generation,
      conditions: setCondition(
        previous.conditions ?? [],
        {
          type: ConditionType.Reconciling,
          status: 'True',
          reason: Reason.Progressing,
          message: `provisioning generation ${dept.metadata.generation}`,
        },
        dept.metadata.generation,
      ),
      ...(request !== undefined ? { lastHandledReconcileRequest: request } : {}),
    };
    await this.writeStatus(dept, status);
    await this.recorder(dept).event(
      'Normal',
      'ProvisioningStarted',
      `provisioning generation ${dept.metadata.generation}`,
    );
    await this.deps.onReconciled?.(dept, {
      phase: 'Provisioning',
      deleting: false,
      starting: true,
      components: [],
      status,
    });
    return status;
  }

  private async suspended(dept: DepartmentObject, request: string | undefined): Promise<ReconcileResult> {
    const previous = dept.status ?? {};
    const status: DepartmentStatus = {
      ...previous,
      observedGeneration: dept.metadata.generation,
      conditions: setCondition(
        previous.conditions ?? [],
        {
          type: ConditionType.Reconciling,
          status: 'False',
          reason: Reason.Suspended,
          message: 'spec.suspend is true: the controller makes no external changes',
        },
        dept.metadata.generation,
      ),
      ...(request !== undefined ? { lastHandledReconcileRequest: request } : {}),
    };
    await this.writeStatus(dept, status);
    return {};
  }

  private async finalize(
    dept: DepartmentObject,
    context: (d: ComponentContext['dependencies']) => ComponentContext,
    log: Logger,
  ): Promise<ReconcileResult> {
    if (!dept.metadata.finalizers?.includes(FINALIZER)) return {};
    if (this.released.get(dept.metadata.name) === dept.metadata.uid) return {};
    // Shown at once: the components' deletes can take minutes (a Pulumi destroy), and until they finish the
    // Department must not go on looking Active and Ready.
    const current = await this.startDeprovisioning(dept);
    const previous = current.status ?? {};
    // A suspended Department is released without touching external resources (as Flux does).
    // Told first: a recorder marks the department as leaving before slow deletes (e.g. a Pulumi destroy) run.
    await this.deps.onReconciled?.(dept, {
      phase: 'Deprovisioning',
      deleting: true,
      starting: false,
      components: [],
      status: previous,
    });
    const outcomes = dept.spec.suspend ? [] : await deleteComponents(this.components, context);
    const done = outcomes.every(isDeleted);
    if (!done) {
      const pending = outcomes.filter((o) => !isDeleted(o));
      const failed = pending.filter((o) => o.error !== undefined);
      let conditions = previous.conditions ?? [];
      for (const o of failed) {
        conditions = setCondition(
          conditions,
          { type: o.component.conditionType, ...o.result.condition },
          dept.metadata.generation,
        );
      }
      const reason = failed.length > 0 ? Reason.DeleteFailed : Reason.Deprovisioning;
      const message = pending.map((o) => `${o.component.name}: ${o.result.condition.message}`).join('; ');
      conditions = deprovisioningConditions(conditions, reason, message, dept.metadata.generation);
      await this.writeStatus(current, { ...previous, phase: 'Deprovisioning', conditions });
      if (failed.length > 0)
        throw new ComponentsFailedError(`delete failed: ${failed.map((f) => f.component.name).join(', ')}`);
      const waits = pending.map((o) => o.result.requeueAfterMs ?? 1000);
      return { requeueAfterMs: Math.min(...waits) };
    }
    await this.deps.client.mergePatch(
      apiPaths.department(dept.metadata.name),
      {
        metadata: {
          finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
          // the version our status write produced: a finalizer added by someone else since then is not lost
          resourceVersion: current.metadata.resourceVersion,
        },
      },
      FIELD_MANAGER,
    );
    this.released.set(dept.metadata.name, dept.metadata.uid);
    log.info('deprovisioned', { deletionPolicy: dept.spec.deletionPolicy });
    await this.recorder(dept).event(
      'Normal',
      'Deprovisioned',
      `department deprovisioned (deletionPolicy ${dept.spec.deletionPolicy})`,
    );
    return {};
  }

  /**
   * Phase Deprovisioning, Ready False and Reconciling True, written before any component is deleted; returns the
   * Department as written.
   */
  private async startDeprovisioning(dept: DepartmentObject): Promise<DepartmentObject> {
    const previous = dept.status ?? {};
    const ready = getCondition(previous.conditions, ConditionType.Ready);
    if (previous.phase === 'Deprovisioning' && ready?.status === 'False') return dept;
    const message = `deleting the department's resources (deletionPolicy ${dept.spec.deletionPolicy})`;
    const status: DepartmentStatus = {
      ...previous,
      phase: 'Deprovisioning',
      conditions: deprovisioningConditions(
        previous.conditions ?? [],
        Reason.Deprovisioning,
        message,
        dept.metadata.generation,
      ),
    };
    const written = await this.writeStatus(dept, status);
    if (previous.phase !== 'Deprovisioning') {
      await this.recorder(dept).event('Normal', 'DeprovisioningStarted', message);
    }
    return written;
  }

  /** Writes status through the status subresource with server-side apply, only when it changed. */
  private async writeStatus(dept: DepartmentObject, status: DepartmentStatus): Promise<DepartmentObject> {
    if (statusEqual(dept.status, status)) return dept;
    return this.deps.client.apply<DepartmentObject>(
      apiPaths.departmentStatus(dept.metadata.name),
      { apiVersion: API_VERSION, kind: 'Department', metadata: { name: dept.metadata.name }, status },
      FIELD_MANAGER,
    );
  }

  private recorder(dept: DepartmentObject) {
    return this.deps.events.recorderFor({
      apiVersion: API_VERSION,
      kind: 'Department',
      name: dept.metadata.name,
      uid: dept.metadata.uid,
    });
  }

  /** Events for the transitions a person cares about; nothing when nothing changed. */
  private async announce(
    dept: DepartmentObject,
    before: DepartmentStatus,
    after: DepartmentStatus,
    outcomes: Outcome[],
  ) {
    const events = this.recorder(dept);
    for (const o of outcomes) {
      const was = getCondition(before.conditions, o.component.conditionType)?.status;
      const now = o.result.condition.status;
      if (now === 'False' && was !== 'False') {
        await events.event('Warning', 'ComponentFailed', `${o.component.conditionType}: ${o.result.condition.message}`);
      } else if (now === 'True' && was === 'False') {
        await events.event('Normal', 'ComponentRecovered', `${o.component.conditionType} recovered`);
      }
    }
    const wasReady = getCondition(before.conditions, ConditionType.Ready)?.status;
    if (getCondition(after.conditions, ConditionType.Ready)?.status === 'True' && wasReady !== 'True') {
      await events.event('Normal', 'Ready', 'all components are ready');
    }
    if (after.phase === 'Failed' && before.phase !== 'Failed') {
      const stalled = getCondition(after.conditions, ConditionType.Stalled);
      await events.event('Warning', 'Failed', stalled?.status === 'True' ? stalled.message : 'components keep failing');
    }
  }
}

/** A Department being deleted is not Ready, and is Reconciling until its finalizer goes. */
function deprovisioningConditions(
  conditions: Condition[],
  reason: string,
  message: string,
  generation: number,
): Condition[] {
  const ready = setCondition(conditions, { type: ConditionType.Ready, status: 'False', reason, message }, generation);
  return setCondition(ready, { type: ConditionType.Reconciling, status: 'True', reason, message }, generation);
}

/** Status fields this reconciler recomputes every pass. */
function stripOwnFields(status: DepartmentStatus): DepartmentStatus {
  const { conditions: _c, phase: _p, observedGeneration: _g, ...rest } = status;
  return rest;
}
