import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { converge as runOnce } from '../../controller/department/converge.ts';
import { tenantNamesFor } from '../../crds/names.ts';
import {
  GATEWAY_TOKEN,
  OAUTH_SECRET,
  PROVIDER_KEY,
  type RuntimeTestbed,
  SECRET_VALUES,
  startRuntimeTestbed,
} from '../../e2e/support/runtime.ts';
import type { ComponentResult } from '../component.ts';
import { createRuntimeComponent, type RuntimeComponent } from './component.ts';
import { Reason, RUNTIME_DRIFTED } from './conditions.ts';

let bed: RuntimeTestbed;
let runtime: RuntimeComponent;
const results: ComponentResult[] = [];

/** One pass, as the Department reconciler runs the component (observe, then apply if its policy says so). */
async function apply(name: string): Promise<ComponentResult> {
  const result = await runOnce(runtime, await bed.context(name));
  results.push(result);
  return result;
}

/** Applies as the controller would until the engine run and the deployment are done. */
function converge(name: string): Promise<ComponentResult> {
  return bed.settle(runtime, name, results);
}

function projectNamed(name: string) {
  return [...bed.railway.state.projects.values()].filter((p) => p.name === `aio-${name}-prod`);
}

function drifted(result: ComponentResult) {
  return result.extraConditions?.find((c) => c.type === RUNTIME_DRIFTED);
}

beforeAll(async () => {
  bed = await startRuntimeTestbed(inject('kubeconfig'), inject('databaseUrl'));
  runtime = createRuntimeComponent(bed.config);
});
afterAll(() => bed?.stop());

describe('runtime component', () => {
  it('creates the Railway project, service, variables and domain and reports RuntimeReady', async () => {
    await bed.department('rt-create');
    const result = await converge('rt-create');
    expect(result.condition).toMatchObject({ status: 'True', reason: Reason.DeploymentSucceeded });
    expect(result.status?.deploymentUrl).toMatch(/^https:\/\/.+\.up\.railway\.app$/);
    const [project] = projectNamed('rt-create');
    expect(projectNamed('rt-create')).toHaveLength(1);
    expect(result.status?.projectId).toBe(project?.id);
    const services = bed.railway.state.servicesOf(project?.id ?? '');
    expect(services.map((s) => [s.name, s.image, s.healthcheckPath, s.numReplicas])).toEqual([
      ['voice-agent', 'registry.railway.app/aio-agent:1.0.0', '/health', 1],
    ]);
    const service = services[0];
    const vars = bed.railway.state.variables.get(service?.id ?? '');
    expect(vars).toMatchObject({
      DEPARTMENT_ID: 'rt-create',
      DB_HOST: '127.0.0.1',
      DB_PORT: '5432',
      DB_NAME: 'federation',
      DB_SCHEMA: tenantNamesFor('rt-create').schema,
      DB_USER: tenantNamesFor('rt-create').role,
      ENABLED_TOOLS: '["email"]',
      DEEPGRAM_API_KEY: PROVIDER_KEY,
      GOOGLE_OAUTH_CLIENT_ID: 'rt-create.apps.example.com',
      GOOGLE_OAUTH_CLIENT_SECRET: OAUTH_SECRET,
      GATEWAY_URL: 'https://gateway.example.com',
      GATEWAY_TOKEN,
      N8N_WEBHOOK_BASE_URL: 'https://n8n.example.com/webhook/rt-create',
    });
    expect(vars).not.toHaveProperty('CUSTOM_SETTINGS');
    expect(bed.railway.state.domainsOf(service?.id ?? '').map((d) => `https://${d.domain}`)).toEqual([
      result.status?.deploymentUrl,
    ]);
  });

  it('updates image, tools and a referenced Secret in place', async () => {
    const before = projectNamed('rt-create')[0];
    const serviceBefore = bed.railway.state.servicesOf(before?.id ?? '')[0];
    await bed.patchSpec('rt-create', {
      enabledTools: ['email', 'database'],
      runtime: { image: 'registry.railway.app/aio-agent:2.0.0' },
      customSettings: { greeting: 'Welcome to HR', escalation: { afterMinutes: 5 } },
    });
    await bed.putSecret('dept-rt-create', 'gateway-token', { token: `${GATEWAY_TOKEN}-rotated` });
    const result = await converge('rt-create');
    expect(result.condition.status).toBe('True');
    expect(projectNamed('rt-create').map((p) => p.id)).toEqual([before?.id]);
    const services = bed.railway.state.servicesOf(before?.id ?? '');
    expect(services.map((s) => [s.id, s.image])).toEqual([[serviceBefore?.id, 'registry.railway.app/aio-agent:2.0.0']]);
    expect(bed.railway.state.variables.get(serviceBefore?.id ?? '')).toMatchObject({
      ENABLED_TOOLS: '["email","database"]',
      GATEWAY_TOKEN: `${GATEWAY_TOKEN}-rotated`,
    });
    const customSettings = bed.railway.state.variables.get(serviceBefore?.id ?? '')?.CUSTOM_SETTINGS;
    expect(JSON.parse(customSettings ?? 'null')).toEqual({
      greeting: 'Welcome to HR',
      escalation: { afterMinutes: 5 },
    });
  });

  it('settles without an engine run and notices a variable changed behind its back', async () => {
    await converge('rt-create');
    const engineMs = runtime.stacks.engineMs;
    const from = bed.railway.requestLog.length;
    const steady = await converge('rt-create');
    expect(steady.condition.status).toBe('True');
    expect(drifted(steady)).toMatchObject({ status: 'False', reason: Reason.NoDrift });
    // Two reads (the service instance and its variables) and the deployment: no engine, no write.
    expect(runtime.stacks.engineMs).toBe(engineMs);
    const operations = bed.railway.requestLog.slice(from).map((e) => e.operationName);
    expect(operations.filter((o) => /Create|Update|Upsert|Delete|DeployV2|Redeploy/i.test(o ?? ''))).toEqual([]);

    const projectId = projectNamed('rt-create')[0]?.id ?? '';
    const service = bed.railway.state.servicesOf(projectId)[0];
    const variables = bed.railway.state.variables.get(service?.id ?? '') ?? {};
    bed.railway.state.variables.set(service?.id ?? '', { ...variables, GATEWAY_URL: 'https://attacker.example' });
    const events = bed.recorded.events.length;
    const result = await converge('rt-create');
    const noticed = bed.recorded.events.slice(events);
    expect(noticed).toContainEqual(
      expect.objectContaining({
        reason: Reason.DriftDetected,
        note: expect.stringMatching(/variables differ: GATEWAY_URL/),
      }),
    );
    expect(drifted(result)).toMatchObject({ status: 'False', reason: Reason.DriftRemediated });
    expect(bed.railway.state.variables.get(service?.id ?? '')?.GATEWAY_URL).toBe('https://gateway.example.com');
    // The value never reaches an event or condition, only the key.
    expect(JSON.stringify([noticed, result])).not.toContain('attacker.example');
  });

  it('repairs a service deleted behind its back (Remediate)', async () => {
    const projectId = projectNamed('rt-create')[0]?.id ?? '';
    const gone = bed.railway.state.servicesOf(projectId)[0];
    bed.railway.state.deleteService(gone?.id ?? '');
    const result = await converge('rt-create');
    expect(drifted(result)).toMatchObject({ status: 'False', reason: Reason.DriftRemediated });
    expect(drifted(result)?.message).toMatch(/voice-agent \(Service\) is gone/);
    expect(result.condition.status).toBe('True');
    expect(bed.railway.state.servicesOf(projectId).map((s) => s.name)).toEqual(['voice-agent']);
    expect(bed.recorded.events.map((e) => e.reason)).toContain(Reason.DriftRemediated);
    // The next reconcile (nothing new) still says what was repaired.
    expect(drifted(await converge('rt-create'))).toMatchObject({
      status: 'False',
      reason: Reason.DriftRemediated,
      message: drifted(result)?.message,
    });
  });

  it('only reports a deleted service when driftPolicy is Report', async () => {
    await bed.department('rt-report', { runtime: { driftPolicy: 'Report' } });
    await converge('rt-report');
    const projectId = projectNamed('rt-report')[0]?.id ?? '';
    bed.railway.state.deleteService(bed.railway.state.servicesOf(projectId)[0]?.id ?? '');
    const result = await apply('rt-report');
    expect(drifted(result)).toMatchObject({ status: 'True', reason: Reason.DriftDetected });
    expect(drifted(result)?.message).toMatch(/voice-agent \(Service\) is gone/);
    expect(bed.railway.state.servicesOf(projectId)).toEqual([]);
  });

  it('finds what two reads cannot see with a full check on request, reports it until repaired', async () => {
    await bed.department('rt-check', { runtime: { driftPolicy: 'Report' } });
    await converge('rt-check');
    const service = bed.railway.state.servicesOf(projectNamed('rt-check')[0]?.id ?? '')[0];
    for (const d of bed.railway.state.domainsOf(service?.id ?? '')) bed.railway.state.domains.delete(d.id);
    // The cheap steady-state reads do not look at domains.
    expect(drifted(await converge('rt-check'))).toMatchObject({ status: 'False', reason: Reason.NoDrift });

    await bed.requestReconcile('rt-check', 'check-1');
    const checked = await converge('rt-check');
    expect(drifted(checked)).toMatchObject({ status: 'True', reason: Reason.DriftDetected });
    expect(drifted(checked)?.message).toMatch(/Domain/);
    // Still reported on the next reconcile: no flapping back to NoDrift while the domain is missing.
    expect(drifted(await converge('rt-check'))).toMatchObject({ status: 'True', reason: Reason.DriftDetected });
    expect(bed.railway.state.domainsOf(service?.id ?? '')).toEqual([]);

    await bed.patchSpec('rt-check', { runtime: { driftPolicy: 'Remediate' } });
    await bed.requestReconcile('rt-check', 'check-2');
    const repaired = await converge('rt-check');
    // The full check found the missing domain and, under Remediate, a repair run restored it: it says so.
    expect(drifted(repaired)).toMatchObject({ status: 'False', reason: Reason.DriftRemediated });
    expect(drifted(repaired)?.message).toMatch(/Domain/);
    expect(bed.railway.state.domainsOf(service?.id ?? '')).toHaveLength(1);
  });

  it('converges through a storm of 429 and 5xx answers', { timeout: 300_000 }, async () => {
    await bed.department('rt-storm');
    const from = bed.railway.requestLog.length;
    const { faults } = bed.railway;
    faults.failNext(2, { status: 429, retryAfterSeconds: 1 });
    faults.failNext(2, { status: 503 });
    faults.failNext(2, { status: 500, operationName: 'ServiceInstanceDeployV2' });
    faults.failNext(1, { status: 429, retryAfterSeconds: 2, operationName: 'ServiceDomainCreate' });
    faults.rateLimitRate = 0.1;
    faults.errorRate = 0.15;
    try {
      const result = await converge('rt-storm');
      expect(result.condition.status).toBe('True');
    } finally {
      faults.reset();
    }
    const log = bed.railway.requestLog.slice(from);
    const statuses = log.map((e) => e.status);
    expect(statuses).toContain(429);
    expect(statuses).toContain(503);
    expect(statuses).toContain(500);
    const domainCreates = log.filter((e) => e.operationName === 'ServiceDomainCreate');
    expect(domainCreates[0]?.status).toBe(429);
    const waited = Date.parse(domainCreates[1]?.at ?? '') - Date.parse(domainCreates[0]?.at ?? '');
    expect(waited).toBeGreaterThanOrEqual(1900);
    expect(projectNamed('rt-storm')).toHaveLength(1);
  });

  it('reports a failed deployment as RuntimeReady False with the reason', async () => {
    bed.railway.faults.failNextDeployments(1, 'FAILED', 'healthcheck /health never answered');
    await bed.department('rt-failed');
    const result = await converge('rt-failed');
    expect(result.condition).toMatchObject({ status: 'False', reason: Reason.DeploymentFailed });
    expect(result.condition.message).toMatch(/healthcheck \/health never answered/);
  });

  it('deletes the project and removes the stack', async () => {
    const result = await runtime.delete(await bed.context('rt-failed'));
    expect(result.condition.reason).toBe(Reason.Deleted);
    expect(projectNamed('rt-failed')).toEqual([]);
    expect(await stackKeys('rt-failed')).toEqual([]);
  });

  it('leaves the project running with deletionPolicy Retain and still removes the stack', async () => {
    await bed.patchSpec('rt-report', { deletionPolicy: 'Retain' });
    const result = await runtime.delete(await bed.context('rt-report'));
    expect(result.condition.reason).toBe(Reason.Retained);
    expect(projectNamed('rt-report')).toHaveLength(1);
    expect(await stackKeys('rt-report')).toEqual([]);
  });

  it('keeps secret values out of status, conditions, events, logs, state and non-secret request fields', async () => {
    const visible = JSON.stringify({ results, events: bed.recorded.events, logs: bed.recorded.logs });
    const requests = JSON.stringify(
      bed.railway.requestLog.map((e) => {
        const input = (e.variables as { input?: Record<string, unknown> }).input;
        // The variables map of variableCollectionUpsert is where secret values belong.
        return { ...e, variables: { ...e.variables, input: input && { ...input, variables: undefined } } };
      }),
    );
    const state = await stateText();
    for (const secret of SECRET_VALUES) {
      expect(visible).not.toContain(secret);
      expect(requests).not.toContain(secret);
      expect(state).not.toContain(secret);
    }
  });
});

async function withState<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: bed.backendUrl.replace(/\?.*$/, '') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The stack's live keys in the state table (`stack rm` keeps a `.bak` checkpoint, as Pulumi's DIY backends do). */
async function stackKeys(name: string): Promise<string[]> {
  return withState(async (c) => {
    const r = await c.query<{ key: string }>(
      "SELECT key FROM pulumi_state WHERE key LIKE '%/stacks/%' AND key NOT LIKE '%.bak' AND key LIKE $1",
      [`%/${name}.json%`],
    );
    return r.rows.map((row) => row.key);
  });
}

async function stateText(): Promise<string> {
  return withState(
    async (c) =>
      (await c.query<{ t: string }>('SELECT string_agg(data::text, ' + "'\\n') AS t FROM pulumi_state")).rows[0]?.t ??
      '',
  );
}
