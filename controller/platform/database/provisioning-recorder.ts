import type pg from 'pg';
import type { DepartmentObject } from '../../../crds/department.ts';
import { tenantSchemaFor } from '../../../crds/names.ts';
import type { ComponentReport, OnReconciled, ReconcileReport } from '../../../crds/reconcile-report.ts';

export type RecordReconcile = OnReconciled;

/**
 * A step's state in the seed's terms; not_configured (the department or the platform does not set it up, e.g. no
 * spec.oauth) and skipped (configured, but no enabled tool needs it) are steps that do not apply.
 */
export type StepState = 'pending' | 'in_progress' | 'completed' | 'failed' | 'not_configured' | 'skipped';

/** The seed's progress keys each component stands for; the platform's own components keep their names. */
const SEED_STEPS: Record<string, string[]> = {
  database: ['database'],
  runtime: ['railway'],
  // The agent's container running and serving (AgentHealthy), not the Railway deployment that started it.
  'agent-health': ['docker'],
  workflows: ['n8n'],
  oauth: ['oauth'],
  namespace: ['namespace'],
  'gateway-token': ['gateway_token'],
};

/** The seed's progress keys, each reported even when no component of this controller stands for it. */
const SEED_PROGRESS = ['database', 'railway', 'docker', 'n8n', 'oauth'];

/** Reasons of a True condition that say the step does not apply to this department. */
const NOT_APPLYING: Record<string, StepState> = { NotConfigured: 'not_configured', NotUsed: 'skipped' };

export interface StepRecord {
  step: string;
  state: StepState;
  condition: string;
  reason: string;
  message: string;
}

export interface RecorderOptions {
  pool: pg.Pool;
  /** Where an operator watches a department's runtime, from its Railway project id. */
  dashboardUrl?: (projectId: string) => string;
}

/**
 * A component's state as the seed names it: its condition True is completed (or not_configured/skipped when its
 * reason says it does not apply), False (it failed this pass, e.g. a deployment that ended FAILED, or an error
 * being retried) is failed, Unknown is pending while it waits for another component and in progress otherwise
 * (e.g. a deployment still building).
 */
export function stateOf(c: ComponentReport): StepState {
  if (c.status === 'True') return NOT_APPLYING[c.reason] ?? 'completed';
  if (c.status === 'False') return 'failed';
  return c.reason === 'DependencyNotReady' ? 'pending' : 'in_progress';
}

/** The job's progress (seed keys) and per-component steps, from one reconcile's reports. */
export function progressOf(report: ReconcileReport): {
  progress: Record<string, StepState>;
  steps: Record<string, StepRecord>;
  failure: string | undefined;
} {
  const progress: Record<string, StepState> = {};
  const steps: Record<string, StepRecord> = {};
  for (const c of report.components) {
    const state = stateOf(c);
    for (const key of SEED_STEPS[c.component] ?? [c.component.replaceAll('-', '_')]) progress[key] = state;
    steps[c.component] = {
      step: (SEED_STEPS[c.component] ?? [c.component]).join('+'),
      state,
      condition: c.conditionType,
      reason: c.reason,
      message: c.message.slice(0, 1000),
    };
  }
  // A seed step no component of this controller stands for (e.g. no agent-health without a runtime) never runs.
  for (const key of SEED_PROGRESS) progress[key] ??= 'not_configured';
  const failed = report.components.find((c) => stateOf(c) === 'failed');
  return {
    progress,
    steps,
    failure: failed ? `${failed.conditionType}: ${failed.reason}: ${failed.message}` : undefined,
  };
}

/**
 * COMPLETED when the Department is Active; FAILED when it is Failed, or when the reconcile settled with a
 * failed step and nothing still under way (a finished deployment that failed will not succeed by waiting);
 * IN_PROGRESS otherwise. A later reconcile that succeeds moves the same job on.
 */
function jobStatus(report: ReconcileReport): 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' {
  if (report.phase === 'Active') return 'COMPLETED';
  if (report.phase === 'Failed') return 'FAILED';
  const states = report.components.map(stateOf);
  return states.includes('failed') && !states.includes('in_progress') && !states.includes('pending')
    ? 'FAILED'
    : 'IN_PROGRESS';
}

interface EventRow {
  type: string;
  severity: 'info' | 'warning';
  details: Record<string, unknown>;
}

/**
 * Records every reconcile of a Department in the platform database, from what the reconciler already knows
 * (no state machine of its own): the `departments` row (Railway ids, deployment and dashboard URLs, the full
 * spec as config; DEPROVISIONING as soon as deletion starts, so the gateway stops honouring its tokens), the
 * generation's `provisioning_jobs` row (the seed's progress per step, COMPLETED, or FAILED with the failing
 * step's reason), and each transition as a provisioning event in the audit trail. Writes nothing when nothing
 * changed (periodic resyncs).
 */
export function provisioningRecorder(opts: RecorderOptions): RecordReconcile {
  const dashboard = opts.dashboardUrl ?? ((id: string) => `https://railway.com/project/${encodeURIComponent(id)}`);
  return async function record(department, report) {
    const client = await opts.pool.connect();
    try {
      await client.query('BEGIN');
      const events = await writeDepartment(client, department, report, dashboard);
      if (!report.deleting) events.push(...(await writeJob(client, department, report)));
      for (const e of events) {
        await client.query(
          `INSERT INTO federation.security_audit (event_type, department_id, severity, actor, details, category)
           VALUES ($1, $2, $3, 'federation-controller', $4, 'provisioning')`,
          [e.type, department.metadata.name, e.severity, JSON.stringify(e.details)],
        );
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
}

async function writeDepartment(
  client: pg.PoolClient,
  d: DepartmentObject,
  report: ReconcileReport,
  dashboard: (projectId: string) => string,
): Promise<EventRow[]> {
  if (report.deleting) {
    // Only a department that exists leaves: the gateway refuses its tokens from this commit on.
    const { rowCount } = await client.query(
      `UPDATE federation.departments SET status = 'DEPROVISIONING', updated_at = now()
        WHERE department_id = $1 AND status NOT IN ('DEPROVISIONING', 'DEPROVISIONED')`,
      [d.metadata.name],
    );
    return rowCount
      ? [{ type: 'DEPROVISIONING_STARTED', severity: 'info', details: { generation: d.metadata.generation } }]
      : [];
  }
  const s = report.status;
  const status = rowStatusOf(report);
  const { rows: before } = await client.query<{ status: string }>(
    'SELECT status FROM federation.departments WHERE department_id = $1 FOR UPDATE',
    [d.metadata.name],
  );
  const { rows } = await client.query<{ status: string }>(
    `INSERT INTO federation.departments AS d
       (department_id, department_name, status, tenant_schema, enabled_tools, admin_email, config, generation,
        railway_project_id, railway_deployment_url, dashboard_url, n8n_workflow_ids)
     VALUES ($1, $2, coalesce($12::text, 'PROVISIONING'), $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (department_id) DO UPDATE SET
       status = coalesce($12::text, d.status),
       department_name = EXCLUDED.department_name, enabled_tools = EXCLUDED.enabled_tools,
       admin_email = EXCLUDED.admin_email, config = EXCLUDED.config, generation = EXCLUDED.generation,
       railway_project_id = coalesce(EXCLUDED.railway_project_id, d.railway_project_id),
       railway_deployment_url = coalesce(EXCLUDED.railway_deployment_url, d.railway_deployment_url),
       dashboard_url = coalesce(EXCLUDED.dashboard_url, d.dashboard_url),
       n8n_workflow_ids = coalesce(EXCLUDED.n8n_workflow_ids, d.n8n_workflow_ids),
       updated_at = now()
     WHERE (d.status, d.department_name, d.enabled_tools, d.admin_email, d.config, d.generation,
            d.railway_project_id, d.railway_deployment_url, d.dashboard_url, d.n8n_workflow_ids)
           IS DISTINCT FROM
           (coalesce($12::text, d.status), EXCLUDED.department_name, EXCLUDED.enabled_tools, EXCLUDED.admin_email,
            EXCLUDED.config, EXCLUDED.generation, coalesce(EXCLUDED.railway_project_id, d.railway_project_id),
            coalesce(EXCLUDED.railway_deployment_url, d.railway_deployment_url),
            coalesce(EXCLUDED.dashboard_url, d.dashboard_url), coalesce(EXCLUDED.n8n_workflow_ids, d.n8n_workflow_ids))
     RETURNING d.status`,
    [
      d.metadata.name,
      d.spec.displayName,
      tenantSchemaFor(d.metadata.name),
      JSON.stringify(d.spec.enabledTools),
      d.spec.adminEmail,
      JSON.stringify(d.spec),
      d.metadata.generation,
      s.projectId ?? null,
      s.deploymentUrl ?? null,
      s.projectId ? dashboard(s.projectId) : null,
      s.workflowIds ? JSON.stringify(s.workflowIds) : null,
      status,
    ],
  );
  const from = before[0]?.status;
  const to = rows[0]?.status;
  if (!status || !from || !to || from === to) return [];
  return [
    {
      type: status === 'FAILED' ? 'DEPARTMENT_FAILED' : 'DEPARTMENT_RECOVERED',
      severity: status === 'FAILED' ? 'warning' : 'info',
      details: { generation: d.metadata.generation, from, to },
    },
  ];
}

/**
 * The row's status from the Department's phase: FAILED while the phase is Failed (Ready False for a component
 * failure), ACTIVE once it is Active again; during Provisioning the database component's own status stands
 * (ACTIVE once the tenant is proven, which the gateway needs before the rest is ready).
 */
function rowStatusOf(report: ReconcileReport): 'ACTIVE' | 'FAILED' | null {
  if (report.starting) return null;
  if (report.phase === 'Active') return 'ACTIVE';
  if (report.phase === 'Failed') return 'FAILED';
  return null;
}

async function writeJob(client: pg.PoolClient, d: DepartmentObject, report: ReconcileReport): Promise<EventRow[]> {
  const generation = d.metadata.generation;
  const { rows: before } = await client.query<{ status: string; steps: Record<string, StepRecord> }>(
    'SELECT status, steps FROM federation.provisioning_jobs WHERE department_id = $1 AND generation = $2 FOR UPDATE',
    [d.metadata.name, generation],
  );
  const previous = before[0];
  // The start of a generation has no outcomes yet: every step pending, or kept as last recorded on a retry.
  const { progress, steps, failure } = report.starting
    ? { progress: {}, steps: previous?.steps ?? {}, failure: undefined }
    : progressOf(report);
  const status = report.starting ? 'IN_PROGRESS' : jobStatus(report);
  await client.query(
    `INSERT INTO federation.provisioning_jobs AS j
       (department_id, generation, department_uid, status, progress, steps, error_message, started_at, completed_at)
     VALUES ($1, $2, $3, $4::text, $5, $6, $7, now(), CASE WHEN $4::text IN ('COMPLETED', 'FAILED') THEN now() END)
     ON CONFLICT (department_id, generation) DO UPDATE SET
       department_uid = EXCLUDED.department_uid, status = EXCLUDED.status,
       progress = CASE WHEN $8::boolean THEN j.progress ELSE EXCLUDED.progress END, steps = EXCLUDED.steps,
       error_message = EXCLUDED.error_message,
       completed_at = CASE WHEN EXCLUDED.status IN ('COMPLETED', 'FAILED')
                           THEN coalesce(CASE WHEN j.status = EXCLUDED.status THEN j.completed_at END, now()) END,
       updated_at = now()
     WHERE (j.department_uid, j.status, j.progress, j.steps, j.error_message) IS DISTINCT FROM
           (EXCLUDED.department_uid, EXCLUDED.status, CASE WHEN $8::boolean THEN j.progress ELSE EXCLUDED.progress END,
            EXCLUDED.steps, EXCLUDED.error_message)`,
    [
      d.metadata.name,
      generation,
      d.metadata.uid,
      status,
      JSON.stringify(progress),
      JSON.stringify(steps),
      failure ?? null,
      report.starting,
    ],
  );
  return transitions(previous, status, steps, failure, generation);
}

function transitions(
  previous: { status: string; steps: Record<string, StepRecord> } | undefined,
  status: string,
  steps: Record<string, StepRecord>,
  failure: string | undefined,
  generation: number,
): EventRow[] {
  const events: EventRow[] = [];
  if (!previous) events.push({ type: 'PROVISIONING_STARTED', severity: 'info', details: { generation } });
  for (const [component, step] of Object.entries(steps)) {
    const was = previous?.steps?.[component]?.state;
    if (step.state === was || (step.state !== 'completed' && step.state !== 'failed')) continue;
    events.push({
      type: step.state === 'completed' ? 'STEP_COMPLETED' : 'STEP_FAILED',
      severity: step.state === 'completed' ? 'info' : 'warning',
      details: { generation, component, step: step.step, reason: step.reason, message: step.message },
    });
  }
  if (status !== previous?.status && status === 'COMPLETED') {
    events.push({ type: 'PROVISIONING_COMPLETED', severity: 'info', details: { generation } });
  }
  if (status !== previous?.status && status === 'FAILED') {
    events.push({ type: 'PROVISIONING_FAILED', severity: 'warning', details: { generation, reason: failure } });
  }
  return events;
}
