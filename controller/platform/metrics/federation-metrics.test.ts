import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FederationMetrics } from './federation-metrics.ts';

/** One series' value in the scraped text (`name` may be a histogram's _count, _sum or _bucket). */
async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  for (const line of (await registry.metrics()).split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (match[2] ?? '').split(',').includes(`${k}="${v}"`))) {
      return Number(match[3]);
    }
  }
  return Number.NaN;
}

describe('FederationMetrics', () => {
  it('does count API writes by resource, and no reads', async () => {
    const registry = new Registry();
    const metrics = new FederationMetrics(registry);
    metrics.countWrite('PATCH', 200, '/apis/federation.synrg.io/v1alpha1/departments/hr/status');
    metrics.countWrite('POST', 201, '/apis/coordination.k8s.io/v1/namespaces/x/leases');
    metrics.countWrite('GET', 200, '/api/v1/namespaces');
    expect(await value(registry, 'federation_api_writes_total', { resource: 'departments/status' })).toBe(1);
    expect(await value(registry, 'federation_api_writes_total', { resource: 'leases' })).toBe(1);
    expect(await value(registry, 'federation_api_writes_total', { resource: 'namespaces' })).toBeNaN();
  });

  it("does read the Departments' phases at scrape time", async () => {
    const registry = new Registry();
    const metrics = new FederationMetrics(registry);
    let phases = ['Active', 'Active', 'Pending'];
    metrics.phases = () => phases;
    expect(await value(registry, 'federation_departments', { phase: 'Active' })).toBe(2);
    phases = ['Pending'];
    expect(await value(registry, 'federation_departments', { phase: 'Active' })).toBeNaN();
    expect(await value(registry, 'federation_departments', { phase: 'Pending' })).toBe(1);
  });

  it('does export what the manager reports: shards held and leader task runs', async () => {
    const registry = new Registry();
    const metrics = new FederationMetrics(registry);
    metrics.shardsHeld(2);
    metrics.leaderTaskRan('retention', 'success');
    metrics.leaderTaskRan('retention', 'error');
    expect(await value(registry, 'federation_shards_held', {})).toBe(2);
    expect(await value(registry, 'federation_leader_task_runs_total', { task: 'retention', result: 'error' })).toBe(1);
  });

  it('does count engine runs by kind and result, and their durations by kind', async () => {
    const registry = new Registry();
    const metrics = new FederationMetrics(registry);
    metrics.observeEngineRun('create', 'success', 42);
    metrics.observeEngineRun('create', 'error', 3);
    metrics.observeEngineRun('delete', 'success', 7);
    expect(await value(registry, 'federation_engine_runs_total', { kind: 'create', result: 'success' })).toBe(1);
    expect(await value(registry, 'federation_engine_runs_total', { kind: 'create', result: 'error' })).toBe(1);
    expect(await value(registry, 'federation_engine_run_duration_seconds_count', { kind: 'create' })).toBe(2);
    expect(await value(registry, 'federation_engine_run_duration_seconds_sum', { kind: 'create' })).toBe(45);
    expect(await value(registry, 'federation_engine_run_duration_seconds_bucket', { kind: 'create', le: '5' })).toBe(1);
    expect(await value(registry, 'federation_engine_run_duration_seconds_sum', { kind: 'delete' })).toBe(7);
  });

  it("does read the agents' verdicts at scrape time, a verdict gone dropping to what the source says", async () => {
    const registry = new Registry();
    const metrics = new FederationMetrics(registry);
    let counts: Record<string, number> = { Healthy: 2, Unreachable: 1 };
    metrics.agentVerdicts = () => counts;
    expect(await value(registry, 'federation_agents', { verdict: 'Healthy' })).toBe(2);
    expect(await value(registry, 'federation_agents', { verdict: 'Unreachable' })).toBe(1);
    counts = { Healthy: 3 };
    expect(await value(registry, 'federation_agents', { verdict: 'Healthy' })).toBe(3);
    expect(await value(registry, 'federation_agents', { verdict: 'Unreachable' })).toBeNaN();
  });

  it('does keep the last audit verification: broken links and when it ran to the end', async () => {
    const registry = new Registry();
    const metrics = new FederationMetrics(registry);
    expect(await value(registry, 'federation_audit_verify_last_success_timestamp_seconds', {})).toBe(0);
    metrics.observeAuditVerify(0, new Date('2026-12-07T10:00:00Z'));
    metrics.observeAuditVerify(3, new Date('2026-12-07T11:00:00Z'));
    expect(await value(registry, 'federation_audit_broken_links', {})).toBe(3);
    expect(await value(registry, 'federation_audit_verify_last_success_timestamp_seconds', {})).toBe(
      Date.parse('2026-12-07T11:00:00Z') / 1000,
    );
  });

  it("does export each department's token expiry, dropping departments no longer listed", async () => {
    const registry = new Registry();
    const metrics = new FederationMetrics(registry);
    const at = new Date('2026-12-07T11:00:00Z');
    metrics.setOAuthTokenExpiries([
      { department: 'hr', expiresAt: at },
      { department: 'sales', expiresAt: at },
    ]);
    metrics.setOAuthTokenExpiries([{ department: 'hr', expiresAt: at }]);
    const name = 'federation_oauth_token_expiry_timestamp_seconds';
    expect(await value(registry, name, { department: 'hr' })).toBe(at.getTime() / 1000);
    expect(await value(registry, name, { department: 'sales' })).toBeNaN();
  });

  it("does export a department's gateway token expiry and remove it when the token is gone", async () => {
    const registry = new Registry();
    const metrics = new FederationMetrics(registry);
    const at = new Date('2026-12-08T09:00:00Z');
    metrics.observeGatewayToken('hr', at);
    metrics.observeGatewayToken('sales', at);
    metrics.observeGatewayToken('sales', undefined);
    const name = 'federation_gateway_token_expiry_timestamp_seconds';
    expect(await value(registry, name, { department: 'hr' })).toBe(at.getTime() / 1000);
    expect(await value(registry, name, { department: 'sales' })).toBeNaN();
  });
});
