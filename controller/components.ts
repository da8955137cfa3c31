// Wiring: the only place that knows every component. Which components run, and with what, is decided here
// from the controller's environment; a component whose settings are missing still runs, as one that reports
// `SettingsMissing` with what to set, so a half-configured install is visible on every Department.

import { type Component, TerminalError } from '../reconcilers/component.ts';
import { createDatabaseComponent } from '../reconcilers/database/component.ts';
import { endpointFromUrl } from '../reconcilers/database/database-secret.ts';
import { postgresGrantSyncer } from '../reconcilers/database/grant-syncer.ts';
import { runRetention } from '../reconcilers/database/retention.ts';
import { createGatewayTokenComponent } from '../reconcilers/gateway-token/component.ts';
import { namespaceComponent } from '../reconcilers/namespace/component.ts';
import { createOAuthComponent } from '../reconcilers/oauth/component.ts';
import { oauthFreshness } from '../reconcilers/oauth/freshness.ts';
import { ensureOAuthKeySecret, rotatingKeys } from '../reconcilers/oauth/key-secret.ts';
import { oauthTokenExpiries } from '../reconcilers/oauth/token-expiry.ts';
import { createAgentHealthComponent } from '../reconcilers/runtime/agent-health/component.ts';
import { agentHealthConfigFromEnv } from '../reconcilers/runtime/agent-health/config.ts';
import { runtimeComponentFromEnv } from '../reconcilers/runtime/from-env.ts';
import { createWorkflowsComponent } from '../reconcilers/workflows/component.ts';
import type { OnReconciled } from './department/report.ts';
import type { GrantSyncer } from './grant/reconciler.ts';
import {
  ANCHOR_INTERVAL_MS,
  auditAnchor,
  auditVerify,
  VERIFY_INTERVAL_MS,
  writeDigest,
} from './platform/database/audit-chain.ts';
import { migrateFederation } from './platform/database/federation-migrate.ts';
import { ensureGatewayDatabase } from './platform/database/gateway-role.ts';
import { createPool } from './platform/database/pool.ts';
import { provisioningRecorder } from './platform/database/provisioning-recorder.ts';
import type { FederationMetrics } from './platform/metrics/federation-metrics.ts';
import { SigningKeyStore } from './platform/tokens/key-store.ts';
import type { KubeApi } from './runtime/kube-api.ts';
import type { Logger } from './runtime/logger.ts';
import type { LeaderTask } from './runtime/manager.ts';

export interface Platform {
  components: Component[];
  grantSyncers: GrantSyncer[];
  /** Work only the leader does, on a schedule. */
  leaderTasks: LeaderTask[];
  /** Records every Department reconcile (provisioning jobs, the departments row, provisioning events). */
  onDepartmentReconciled?: OnReconciled;
  close(): Promise<void>;
}

export interface PlatformOptions {
  env: NodeJS.ProcessEnv;
  workers: number;
  log: Logger;
  /** The controller's one counted Kubernetes client. */
  kube: KubeApi;
  /** Counts a request a component makes outside Kubernetes (federation_external_requests_total). */
  countRequest?: (service: string) => void;
  /** Where engine runs, agent verdicts, audit verification and token expiry are exported (federation_*). */
  metrics?: Pick<
    FederationMetrics,
    'observeEngineRun' | 'agentVerdicts' | 'observeAuditVerify' | 'setOAuthTokenExpiries' | 'observeGatewayToken'
  >;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Engine runs get this long to end at shutdown (reconciles return at once, so most of the pod's 45 s grace). */
const DRAIN_MS = 25_000;

/** What each component reports when the setting it needs is missing. */
const UNCONFIGURED = {
  database: { conditionType: 'DatabaseReady', dependsOn: ['namespace'] },
  'gateway-token': { conditionType: 'GatewayTokenReady', dependsOn: ['namespace'] },
  oauth: { conditionType: 'OAuthReady', dependsOn: ['namespace', 'database'] },
  workflows: { conditionType: 'WorkflowsReady', dependsOn: ['namespace', 'database', 'oauth'] },
  runtime: { conditionType: 'RuntimeReady', dependsOn: ['namespace', 'database', 'gateway-token'] },
  'agent-health': { conditionType: 'AgentHealthy', dependsOn: ['runtime'] },
} as const;

type ComponentName = keyof typeof UNCONFIGURED;

/** A stand-in that stalls every Department with `SettingsMissing: <what to set>` and deletes nothing. */
export function notConfigured(name: ComponentName, missing: string): Component {
  const { conditionType, dependsOn } = UNCONFIGURED[name];
  return {
    name,
    conditionType,
    dependsOn: [...dependsOn],
    apply: async () => {
      throw new TerminalError('SettingsMissing', `the controller is not configured for ${name}: ${missing}`);
    },
    delete: async () => ({ condition: { status: 'False', reason: 'SettingsMissing', message: missing } }),
  };
}

/** The components whose Secrets the runtime puts in the agent's environment (GATEWAY_TOKEN, N8N_WEBHOOK_TOKEN). */
const RUNTIME_INPUTS = ['gateway-token', 'workflows'];

/**
 * The runtime deploys once those of RUNTIME_INPUTS that run are Ready, so the agent's first deploy carries their
 * Secrets: deployed before them, a second engine run would follow only to add them.
 */
export function deployAfterInputs(components: Component[]): void {
  const runtime = components.find((c) => c.name === 'runtime');
  if (!runtime) return;
  for (const name of RUNTIME_INPUTS) {
    if (components.some((c) => c.name === name) && !runtime.dependsOn.includes(name)) runtime.dependsOn.push(name);
  }
}

/** The components this controller runs, chosen by what the environment configures. */
export async function buildPlatform(opts: PlatformOptions): Promise<Platform> {
  const { env, workers, log, kube } = opts;
  const disabled = new Set(
    (env.DISABLED_COMPONENTS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const components: Component[] = [namespaceComponent];
  const add = (name: ComponentName, make: () => Component) => {
    if (disabled.has(name)) return log.info('component disabled by DISABLED_COMPONENTS', { component: name });
    try {
      components.push(make());
    } catch (err) {
      const missing = (err as Error).message;
      log.warn('component not configured', { component: name, missing });
      components.push(notConfigured(name, missing));
    }
  };
  const grantSyncers: GrantSyncer[] = [];
  const leaderTasks: LeaderTask[] = [];
  const closers: (() => Promise<void>)[] = [];

  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const missing = 'set DATABASE_URL (Secret federation-platform-database, key url)';
    for (const name of Object.keys(UNCONFIGURED) as ComponentName[]) {
      if (name !== 'agent-health' || !disabled.has('runtime')) add(name, () => notConfigured(name, missing));
    }
    return { components, grantSyncers, leaderTasks, close: async () => {} };
  }

  const pool = createPool({ connectionString: databaseUrl, max: workers + 4 }, log);
  closers.push(() => pool.end());
  await migrateFederation(pool);
  await ensureOAuthKeySecret(kube);

  add('database', () => createDatabaseComponent({ pool, endpoint: endpointFromUrl(databaseUrl) }));
  grantSyncers.push(postgresGrantSyncer(pool));
  // Each department's agent token for the gateway (Secret gateway-token), which the runtime hands its agent.
  add('gateway-token', () =>
    createGatewayTokenComponent({
      pool,
      keys: new SigningKeyStore({ pool }),
      onTokenExpiry: opts.metrics?.observeGatewayToken,
    }),
  );
  add('oauth', () => createOAuthComponent({ pool, keys: rotatingKeys(kube, pool, log) }));
  add('workflows', () => {
    if (!env.N8N_URL || !env.N8N_API_KEY) throw new Error('set N8N_URL and N8N_API_KEY (Secret federation-n8n)');
    return createWorkflowsComponent({
      n8nUrl: env.N8N_URL,
      apiKey: env.N8N_API_KEY,
      webhookBaseUrl: env.N8N_WEBHOOK_BASE_URL,
      pool,
      onRequest: () => opts.countRequest?.('n8n'),
    });
  });
  add('runtime', () => {
    const runtime = runtimeComponentFromEnv(env, { onEngineRun: opts.metrics?.observeEngineRun });
    const swept = runtime.stacks.sweptAtStart;
    if (swept.length) log.warn('killed engine processes a previous controller left running', { pids: swept });
    // Shutdown lets running engine runs end (a stack left mid-update is locked until the next leader clears it),
    // within the pod's grace period; before the pool closes.
    closers.unshift(async () => {
      if (!(await runtime.drain(DRAIN_MS)))
        log.warn('engine runs still running at shutdown', { seconds: DRAIN_MS / 1000 });
    });
    return runtime;
  });
  // AgentHealthy from each deployed agent's /ready and its department's OAuth records (AGENT_HEALTH_INTERVAL,
  // default 5m); it needs the runtime.
  if (!disabled.has('runtime')) {
    add('agent-health', () => {
      const health = createAgentHealthComponent({ ...agentHealthConfigFromEnv(env), oauth: oauthFreshness(pool) });
      if (opts.metrics) opts.metrics.agentVerdicts = () => health.monitor.verdictCounts();
      return health;
    });
  }

  leaderTasks.push(
    { name: 'retention', everyMs: DAY, run: () => runRetention(pool) },
    // The gateway's own login role and Secret federation-system/gateway-database: created when missing,
    // its password re-applied (so a changed role is repaired), a new one generated when the Secret is deleted.
    { name: 'gateway-database', everyMs: 10 * MINUTE, run: () => ensureGatewayDatabase({ adminPool: pool, kube }) },
    // The audit chains' heads, hourly, into a ConfigMap per day: tamper evidence outside the database.
    { name: 'audit-digest', everyMs: 60 * MINUTE, run: () => writeDigest(pool, kube) },
    // The latest heads within seconds of each audited write: the window for an unnoticed tail rewrite.
    { name: 'audit-anchor', everyMs: ANCHOR_INTERVAL_MS, run: auditAnchor(pool, kube) },
    // `federation audit verify` as the leader's own check: broken links and the last full verification, exported.
    {
      name: 'audit-verify',
      everyMs: VERIFY_INTERVAL_MS,
      run: auditVerify(pool, kube, (broken) => opts.metrics?.observeAuditVerify(broken)),
    },
    // When each department's stored Google access token expires; one not renewed past it is alerted on.
    {
      name: 'oauth-token-expiry',
      everyMs: MINUTE,
      run: async () => opts.metrics?.setOAuthTokenExpiries(await oauthTokenExpiries(pool)),
    },
  );
  deployAfterInputs(components);
  const dashboardBase = (env.RAILWAY_DASHBOARD_URL ?? 'https://railway.com').replace(/\/+$/, '');
  return {
    components,
    grantSyncers,
    leaderTasks,
    onDepartmentReconciled: provisioningRecorder({
      pool,
      dashboardUrl: (projectId) => `${dashboardBase}/project/${encodeURIComponent(projectId)}`,
    }),
    close: async () => {
      for (const close of closers) await close();
    },
  };
}
