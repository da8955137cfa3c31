// The product's own metrics (federation_*), beside the runtime's controller-runtime and client-go ones on the same
// registry, so that /metrics is one scrape. They live in the platform layer because they name Departments, agents,
// tokens and the audit chains, which the generic runtime must not know; the wiring creates them and hands each
// component, the Department controller and the manager the part it reports to.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestObserver } from '../../runtime/kube-api.ts';
import type { ManagerObserver } from '../../runtime/manager.ts';
import { resourceOf } from '../../runtime/metrics.ts';

export class FederationMetrics implements ManagerObserver {
  readonly apiWrites: Counter<'resource'>;
  /** The Department controller's cache's phases, read at scrape time; set by the wiring (`exportPhases`). */
  phases: () => string[] = () => [];
  readonly departments: Gauge<'phase'>;
  readonly shards: Gauge;
  readonly leaderTaskRuns: Counter<'task' | 'result'>;
  readonly externalRequests: Counter<'service'>;
  readonly engineRuns: Counter<'kind' | 'result'>;
  readonly engineRunDuration: Histogram<'kind'>;
  /** How many watched agents the health monitor judges as each verdict, read at scrape time; set by the wiring. */
  agentVerdicts: () => Record<string, number> = () => ({});
  readonly agents: Gauge<'verdict'>;
  readonly auditBrokenLinks: Gauge;
  readonly auditVerifyLastSuccess: Gauge;
  readonly oauthTokenExpiry: Gauge<'department'>;
  readonly gatewayTokenExpiry: Gauge<'department'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.apiWrites = new Counter({
      name: 'federation_api_writes_total',
      help: 'Writes (POST, PUT, PATCH, DELETE) to the API server by resource',
      labelNames: ['resource'],
      registers,
    });
    const departments: Gauge<'phase'> = new Gauge({
      name: 'federation_departments',
      help: 'Number of Departments by phase',
      labelNames: ['phase'],
      registers,
      collect: () => {
        departments.reset();
        for (const phase of this.phases()) departments.inc({ phase });
      },
    });
    this.departments = departments;
    this.shards = new Gauge({
      name: 'federation_shards_held',
      help: 'How many Department shards this replica reconciles now (SHARDS > 1; deploy/README.md "Sharding")',
      registers,
    });
    this.leaderTaskRuns = new Counter({
      name: 'federation_leader_task_runs_total',
      help: 'Runs of the leader-only periodic tasks, by task and result',
      labelNames: ['task', 'result'],
      registers,
    });
    this.externalRequests = new Counter({
      name: 'federation_external_requests_total',
      help: 'Requests components made to services outside Kubernetes, by service (n8n, ...)',
      labelNames: ['service'],
      registers,
    });
    this.engineRuns = new Counter({
      name: 'federation_engine_runs_total',
      help: 'Pulumi engine runs that ended, by kind (create, update, repair, check, delete) and result',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.engineRunDuration = new Histogram({
      name: 'federation_engine_run_duration_seconds',
      help: 'How long Pulumi engine runs took, by kind, failed ones included',
      labelNames: ['kind'],
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers,
    });
    const agents: Gauge<'verdict'> = new Gauge({
      name: 'federation_agents',
      help: "Deployed agents by the health monitor's verdict (the AgentHealthy reason: Healthy, Unreachable, ...)",
      labelNames: ['verdict'],
      registers,
      collect: () => {
        agents.reset();
        for (const [verdict, count] of Object.entries(this.agentVerdicts())) agents.set({ verdict }, count);
      },
    });
    this.agents = agents;
    this.auditBrokenLinks = new Gauge({
      name: 'federation_audit_broken_links',
      help: 'Broken links the last audit verification found (chains inside the database and the digests outside)',
      registers,
    });
    this.auditVerifyLastSuccess = new Gauge({
      name: 'federation_audit_verify_last_success_timestamp_seconds',
      help: 'When the audit chains were last verified to the end (0: not on this replica since it started)',
      registers,
    });
    this.oauthTokenExpiry = new Gauge({
      name: 'federation_oauth_token_expiry_timestamp_seconds',
      help: "When each department's stored Google access token expires (the earliest of its services)",
      labelNames: ['department'],
      registers,
    });
    this.gatewayTokenExpiry = new Gauge({
      name: 'federation_gateway_token_expiry_timestamp_seconds',
      help: "When each department's agent token for the gateway (Secret gateway-token) expires",
      labelNames: ['department'],
      registers,
    });
  }

  /** A RequestObserver that counts the writes by resource (the runtime's observer counts every request). */
  readonly countWrite: RequestObserver = (method, _code, path) => {
    if (method !== 'GET') this.apiWrites.inc({ resource: resourceOf(path) });
  };

  /** ManagerObserver: the replica holds `count` shards now. */
  readonly shardsHeld = (count: number): void => {
    this.shards.set(count);
  };

  /** ManagerObserver: a leader task's run ended. */
  readonly leaderTaskRan = (task: string, result: 'success' | 'error'): void => {
    this.leaderTaskRuns.inc({ task, result });
  };

  /** A component made a request to `service`, outside Kubernetes. */
  readonly countExternalRequest = (service: string): void => {
    this.externalRequests.inc({ service });
  };

  /** The department's gateway token in use expires at `expiresAt`; undefined: it has none any more. */
  readonly observeGatewayToken = (department: string, expiresAt: Date | undefined): void => {
    if (expiresAt) this.gatewayTokenExpiry.set({ department }, expiresAt.getTime() / 1000);
    else this.gatewayTokenExpiry.remove({ department });
  };

  /** An engine run ended after `seconds`. */
  readonly observeEngineRun = (kind: string, result: 'success' | 'error', seconds: number): void => {
    this.engineRuns.inc({ kind, result });
    this.engineRunDuration.observe({ kind }, seconds);
  };

  /** An audit verification ran to the end and found `brokenLinks` (0: every chain and digest holds). */
  readonly observeAuditVerify = (brokenLinks: number, at = new Date()): void => {
    this.auditBrokenLinks.set(brokenLinks);
    this.auditVerifyLastSuccess.set(at.getTime() / 1000);
  };

  /** The departments' token expiries as read now; a department no longer listed loses its series. */
  readonly setOAuthTokenExpiries = (expiries: { department: string; expiresAt: Date }[]): void => {
    this.oauthTokenExpiry.reset();
    for (const { department, expiresAt } of expiries) {
      this.oauthTokenExpiry.set({ department }, expiresAt.getTime() / 1000);
    }
  };
}
