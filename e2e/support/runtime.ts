import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { converge } from '../../controller/department/converge.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import type { Logger } from '../../controller/runtime/logger.ts';
import type { DepartmentSpecInput } from '../../crds/department.ts';
import { namespaceFor, RECONCILE_REQUEST_ANNOTATION, tenantNamesFor } from '../../crds/names.ts';
import type { ComponentContext, ComponentResult, DepartmentObject } from '../../reconcilers/component.ts';
import type { RuntimeComponent } from '../../reconcilers/runtime/component.ts';
import { RUNTIME_READY } from '../../reconcilers/runtime/conditions.ts';
import { pulumiBackendFor, type RuntimeConfig } from '../../reconcilers/runtime/config.ts';
import { type RailwayServer, startRailwayServer } from '../railway/server.ts';
import { ensurePulumiCli } from '../testenv/pulumi-cli.ts';
import { waitFor } from '../testenv/wait.ts';

export const RAILWAY_TOKEN = `rw-${randomBytes(12).toString('hex')}`;
export const PASSPHRASE = `pp-${randomBytes(12).toString('hex')}`;
export const DB_PASSWORD = `dbpw-${randomBytes(12).toString('hex')}`;
export const PROVIDER_KEY = `dg-${randomBytes(12).toString('hex')}`;
export const OAUTH_SECRET = `oc-${randomBytes(12).toString('hex')}`;
export const GATEWAY_TOKEN = `gw-${randomBytes(12).toString('hex')}`;
export const SECRET_VALUES = [RAILWAY_TOKEN, PASSPHRASE, DB_PASSWORD, PROVIDER_KEY, OAUTH_SECRET, GATEWAY_TOKEN];

export interface Recorded {
  events: { type: string; reason: string; note: string }[];
  logs: string[];
}

/** Everything the runtime tests share: the Railway server, a state database, the platform Secret, the config. */
export interface RuntimeTestbed {
  railway: RailwayServer;
  config: RuntimeConfig;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  backendUrl: string;
  recorded: Recorded;
  /** Creates the Department, its namespace, database Secret (and OAuth/gateway Secrets) and a context for it. */
  department(
    name: string,
    spec?: Partial<DepartmentSpecInput>,
    labels?: Record<string, string>,
  ): Promise<ComponentContext>;
  /** Re-reads the Department into a fresh context (after a spec change), with the status settle() recorded. */
  context(name: string): Promise<ComponentContext>;
  /**
   * Runs the component as the controller does (converge: observe, then apply) until the result settles: an
   * engine run in progress (Provisioning) is waited for, a deployment in progress polled; the result's status is
   * kept for the next context, as the controller writes it to Department.status. Every result goes to `seen`.
   */
  settle(runtime: RuntimeComponent, name: string, seen?: ComponentResult[]): Promise<ComponentResult>;
  patchSpec(name: string, spec: Partial<DepartmentSpecInput>): Promise<void>;
  /** Sets the reconcile-request annotation (what `kubectl annotate` does to ask for a full check). */
  requestReconcile(name: string, value: string): Promise<void>;
  putSecret(namespace: string, name: string, data: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

const GROUP = 'federation.synrg.io';
const VERSION = 'v1alpha1';

/** A component context for a Department as the API server has it, recording events and logs. */
export async function departmentContext(
  kubeConfig: KubeConfig,
  name: string,
  recorded: Recorded,
  status?: Record<string, unknown>,
): Promise<ComponentContext> {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const department = (await custom.getClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'departments',
    name,
  })) as DepartmentObject;
  if (status) department.status = { ...department.status, ...status };
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    recorded.logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  };
  return {
    department,
    namespace: namespaceFor(name),
    kube: new RestClient(kubeConfig),
    dependencies: {},
    events: {
      event: async (type, reason, note) => {
        recorded.events.push({ type, reason, note });
      },
    },
    log: recordingLogger(log),
    signal: new AbortController().signal,
  };
}

export async function startRuntimeTestbed(
  kubeconfigPath: string,
  databaseUrl: string,
  options: { operationTimeoutMs?: number } = {},
): Promise<RuntimeTestbed> {
  const suffix = randomBytes(4).toString('hex');
  const stateDb = `pulumi_state_${suffix}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${stateDb}`);
  await admin.end();
  const dbUrl = new URL(databaseUrl);
  dbUrl.pathname = `/${stateDb}`;
  const backendUrl = pulumiBackendFor(dbUrl.toString());

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const railway = await startRailwayServer({ token: RAILWAY_TOKEN });
  const cli = await ensurePulumiCli();
  const platformNamespace = `runtime-platform-${suffix}`;
  const recorded: Recorded = { events: [], logs: [] };

  const putSecret = async (namespace: string, name: string, data: Record<string, string>) => {
    const body = { metadata: { name, namespace }, stringData: data };
    try {
      await core.replaceNamespacedSecret({ name, namespace, body });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      await core.createNamespacedSecret({ namespace, body });
    }
  };
  await core.createNamespace({ body: { metadata: { name: platformNamespace } } });
  await putSecret(platformNamespace, 'runtime-platform', {
    RAILWAY_TOKEN,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    LIVEKIT_URL: 'wss://livekit.example.com',
    DEEPGRAM_API_KEY: PROVIDER_KEY,
  });

  const config: RuntimeConfig = {
    railwayUrl: railway.url,
    backendUrl,
    platformSecret: { namespace: platformNamespace, name: 'runtime-platform' },
    defaultImage: 'registry.railway.app/aio-agent:1.0.0',
    workRoot: await mkdtemp(join(tmpdir(), 'runtime-stacks-')),
    concurrency: 4,
    pollMs: 200,
    fullCheckMs: 24 * 3_600_000,
    operationTimeoutMs: options.operationTimeoutMs ?? 15 * 60_000,
    n8nWebhookBaseUrl: 'https://n8n.example.com/webhook',
    gatewayUrl: 'https://gateway.example.com',
    cli,
  };

  const statuses = new Map<string, Record<string, unknown>>();
  const context = (name: string) => departmentContext(kubeConfig, name, recorded, statuses.get(name));

  async function settle(runtime: RuntimeComponent, name: string, seen: ComponentResult[] = []) {
    const deadline = Date.now() + 240_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${name}: the runtime did not settle in 240 s`);
      const ctx = await context(name);
      const result = await converge(runtime, ctx);
      seen.push(result);
      // As the controller records it: the status the component returned and the reconcile request handled.
      const request = ctx.department.metadata.annotations?.[RECONCILE_REQUEST_ANNOTATION];
      statuses.set(name, {
        ...statuses.get(name),
        ...result.status,
        conditions: [{ type: RUNTIME_READY, ...result.condition }, ...(result.extraConditions ?? [])],
        ...(request !== undefined ? { lastHandledReconcileRequest: request } : {}),
      });
      // An engine run in progress (the condition says Provisioning, or the cause of the run it retries).
      if (runtime.operations.get(name)?.done === false) {
        await waitFor(async () => runtime.operations.get(name)?.done !== false, {
          timeoutMs: Math.max(0, deadline - Date.now()),
          intervalMs: 20,
          describe: () => `${name}: the engine run did not end in 240 s`,
        });
      } else if (result.requeueAfterMs) {
        await new Promise((r) => setTimeout(r, result.requeueAfterMs));
      } else {
        return result;
      }
    }
  }

  return {
    railway,
    config,
    kubeConfig,
    core,
    backendUrl,
    recorded,
    putSecret,
    context,
    settle,
    async department(name, spec = {}, labels = {}) {
      const namespace = namespaceFor(name);
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await putSecret(namespace, 'database', {
        host: '127.0.0.1',
        port: '5432',
        database: 'federation',
        user: tenantNamesFor(name).role,
        password: DB_PASSWORD,
        schema: tenantNamesFor(name).schema,
        url: `postgresql://${tenantNamesFor(name).role}:${DB_PASSWORD}@127.0.0.1:5432/federation`,
      });
      await putSecret(namespace, 'google-oauth', {
        client_id: `${name}.apps.example.com`,
        client_secret: OAUTH_SECRET,
      });
      await putSecret(namespace, 'gateway-token', { token: GATEWAY_TOKEN });
      await custom.createClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'departments',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'Department',
          metadata: { name, labels },
          spec: {
            displayName: `Department ${name}`,
            adminEmail: `admin@${name}.example.com`,
            enabledTools: ['email'],
            oauth: { secretRef: { name: 'google-oauth', namespace } },
            ...spec,
          },
        },
      });
      return context(name);
    },
    async patchSpec(name, spec) {
      const current = (await context(name)).department;
      await custom.replaceClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'departments',
        name,
        body: { ...current, spec: { ...current.spec, ...spec } },
      });
    },
    async requestReconcile(name, value) {
      const current = (await context(name)).department;
      const annotations = { ...current.metadata.annotations, [RECONCILE_REQUEST_ANNOTATION]: value };
      await custom.replaceClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'departments',
        name,
        body: { ...current, metadata: { ...current.metadata, annotations } },
      });
    },
    async stop() {
      await railway.stop();
    },
  };
}

function recordingLogger(log: (level: string) => (msg: string, fields?: Record<string, unknown>) => void): Logger {
  const logger: Logger = {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
    child: () => logger,
  };
  return logger;
}
