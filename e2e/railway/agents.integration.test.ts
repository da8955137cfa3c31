import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { CustomObjectsApi } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSecretData } from '../../controller/platform/kube/secrets.ts';
import { namespaceFor } from '../../crds/names.ts';
import { GATEWAY_TOKEN_SECRET } from '../../crds/secrets.ts';
import type { DepartmentObject } from '../../reconcilers/component.ts';
import { createDatabaseComponent } from '../../reconcilers/database/component.ts';
import { createGatewayTokenComponent } from '../../reconcilers/gateway-token/component.ts';
import { namespaceComponent } from '../../reconcilers/namespace/component.ts';
import {
  type AgentHealthComponent,
  createAgentHealthComponent,
} from '../../reconcilers/runtime/agent-health/component.ts';
import { AGENT_HEALTHY, HealthReason } from '../../reconcilers/runtime/agent-health/conditions.ts';
import { createRuntimeComponent } from '../../reconcilers/runtime/component.ts';
import { pulumiBackendFor } from '../../reconcilers/runtime/config.ts';
import { type ProviderStandIns, startProviderStandIns } from '../providers/server.ts';
import { type GatewayTestbed, startTestbed } from '../support/gateway.ts';
import { startTestController, TEST_LABEL, type TestController } from '../testenv/controller.ts';
import { type RunningLivekit, startLivekit } from '../testenv/livekit.ts';
import { ensurePulumiCli } from '../testenv/pulumi-cli.ts';
import { waitFor } from '../testenv/wait.ts';
import { Watchdog } from '../testenv/watchdog.ts';
import { ensureAgentBuild } from './agent-build.ts';
import { type LocalRailway, startLocalRailway } from './local.ts';

/** Probe interval of the health monitor here (the seed's is 5 minutes). */
const INTERVAL_MS = 4_000;
const GROUP = { group: 'federation.synrg.io', version: 'v1alpha1', plural: 'departments' };

let livekit: RunningLivekit;
let providers: ProviderStandIns;
let bed: GatewayTestbed;
let gateway: { url: string; close(): void };
let railway: LocalRailway;
let controller: TestController;
let health: AgentHealthComponent;
let ca: string;
const watchdog = new Watchdog();
const custom = () => bed.kc.makeApiClient(CustomObjectsApi);
const suffix = randomBytes(3).toString('hex');
const dept = `voice-${suffix}`;

beforeAll(async () => {
  [livekit, providers, bed] = await Promise.all([
    startLivekit({ watchdog }),
    startProviderStandIns(),
    startTestbed({ kubeconfig: inject('kubeconfig'), databaseUrl: inject('databaseUrl'), prefixes: [] }),
    ensureAgentBuild(),
  ]);
  const server = serve({ fetch: bed.app().fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  gateway = { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };

  const runDir = await mkdtemp(join(tmpdir(), 'fed-railway-agents-'));
  watchdog.removeOnExit(runDir);
  railway = await startLocalRailway(bed.kc, {
    agents: {
      runDir,
      watchdog,
      platformSecretData: {
        LIVEKIT_URL: livekit.url,
        LIVEKIT_API_KEY: livekit.apiKey,
        LIVEKIT_API_SECRET: livekit.apiSecret,
        CEREBRAS_API_KEY: 'cerebras-key',
        DEEPGRAM_API_KEY: 'deepgram-key',
        CARTESIA_API_KEY: 'cartesia-key',
        ...providers.env,
      },
    },
  });
  ca = await readFile(railway.env.AGENT_HEALTH_CA_FILE as string, 'utf8');
  // Railway restarts a killed agent only after more than two probe intervals, so the monitor sees it down.
  (railway.server.runner as unknown as { opts: { restartDelayMs: number } }).opts.restartDelayMs = 3 * INTERVAL_MS;

  const stateDb = `pulumi_state_${suffix}`;
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${stateDb}`);
  await admin.end();
  const state = new URL(inject('databaseUrl'));
  state.pathname = `/${stateDb}`;
  const config = {
    railwayUrl: railway.env.RAILWAY_API_URL,
    backendUrl: pulumiBackendFor(state.toString()),
    platformSecret: { namespace: 'federation-system', name: 'runtime-platform' },
    defaultImage: 'registry.railway.app/aio-agent:test',
    workRoot: await mkdtemp(join(tmpdir(), 'fed-agent-stacks-')),
    concurrency: 2,
    pollMs: 500,
    fullCheckMs: 24 * 3_600_000,
    operationTimeoutMs: 15 * 60_000,
    gatewayUrl: gateway.url,
    cli: await ensurePulumiCli(),
  };
  // A settled runtime costs two Railway reads a reconcile, so a health change is written without the engine.
  const runtime = createRuntimeComponent(config);
  runtime.dependsOn.push('gateway-token');
  health = createAgentHealthComponent({ intervalMs: INTERVAL_MS, timeoutMs: 2_000, startupGraceMs: 120_000, ca });
  controller = await startTestController(inject('kubeconfig'), {
    components: [
      namespaceComponent,
      createDatabaseComponent({ pool: bed.db.pool, endpoint: bed.db.endpoint }),
      createGatewayTokenComponent({ pool: bed.db.pool, keys: bed.keys }),
      runtime,
      health,
    ],
  });
}, 600_000);

afterAll(async () => {
  await controller?.stop();
  await railway?.server.stop();
  gateway?.close();
  await Promise.all([livekit?.stop(), providers?.stop()]);
  await bed?.db.drop([dept]);
  watchdog.dismiss();
});

async function department(): Promise<DepartmentObject> {
  return (await custom().getClusterCustomObject({ ...GROUP, name: dept })) as DepartmentObject;
}

const condition = (d: DepartmentObject, type: string) => d.status?.conditions?.find((c) => c.type === type);

async function until(
  check: (d: DepartmentObject) => boolean,
  timeoutMs: number,
  what: string,
): Promise<DepartmentObject> {
  let last: DepartmentObject | undefined;
  await waitFor(
    async () => {
      last = await department();
      return check(last);
    },
    { timeoutMs, intervalMs: 250, describe: () => `${what}; conditions: ${JSON.stringify(last?.status?.conditions)}` },
  );
  return last as DepartmentObject;
}

async function readyOverEdge(): Promise<{ status: number; body: Record<string, unknown> }> {
  const d = await department();
  // The detail is for the bearer of the department's gateway token, as the controller's probe sends it.
  const secret = await readSecretData(bed.kube, { namespace: namespaceFor(dept), name: GATEWAY_TOKEN_SECRET });
  const headers = { authorization: `Bearer ${secret?.token}` };
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(`${d.status?.deploymentUrl}/ready`, { ca, headers }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function serviceOf() {
  const project = [...railway.server.state.projects.values()].find((p) => p.name === `aio-${dept}-prod`);
  return railway.server.state.servicesOf(project?.id ?? '')[0];
}

async function events(): Promise<{ reason: string; type: string; note: string }[]> {
  const list = await bed.kube.get<{
    items: { reason: string; type: string; note: string; regarding: { name: string } }[];
  }>('/apis/events.k8s.io/v1/namespaces/default/events');
  return list.items.filter((e) => e.regarding.name === dept);
}

describe('agents on the local Railway server', () => {
  it('runs the deployed agent image as a process reachable at its domain, registered with LiveKit; AgentHealthy and Ready True', async () => {
    await custom().createClusterCustomObject({
      ...GROUP,
      body: {
        apiVersion: 'federation.synrg.io/v1alpha1',
        kind: 'Department',
        metadata: { name: dept, labels: { [TEST_LABEL]: controller.shard } },
        spec: {
          displayName: 'Voice Test',
          adminEmail: 'admin@voice.example.com',
          enabledTools: [],
          llm: { provider: 'cerebras', model: 'llama-3.3-70b', temperature: 0.3 },
          stt: { provider: 'deepgram' },
          tts: { provider: 'cartesia' },
        },
      },
    });
    const d = await until(
      (x) => condition(x, 'Ready')?.status === 'True',
      420_000,
      'the Department did not become Ready',
    );
    expect(condition(d, AGENT_HEALTHY)).toMatchObject({ status: 'True', reason: HealthReason.Healthy });
    expect(condition(d, AGENT_HEALTHY)?.message).toContain(`aio-${dept}: llm cerebras/llama-3.3-70b`);
    expect(d.status?.deploymentUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const { status, body } = await readyOverEdge();
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, gateway: { ok: true }, livekit: { ok: true } },
      settings: { department: dept, llm: { provider: 'cerebras', model: 'llama-3.3-70b', temperature: 0.3 } },
    });
    expect(railway.server.state.variables.get(serviceOf()?.id ?? '')).toMatchObject({
      DEPARTMENT_ID: dept,
      PORT: '8080',
      LLM_PROVIDER: 'cerebras',
      LLM_MODEL: 'llama-3.3-70b',
      LLM_TEMPERATURE: '0.3',
      STT_PROVIDER: 'deepgram',
      STT_MODEL: 'nova-3',
      TTS_PROVIDER: 'cartesia',
      TTS_VOICE: 'sonic-3',
      LIVEKIT_URL: livekit.url,
      ...providers.env,
    });
    expect((await events()).map((e) => [e.type, e.reason])).toContainEqual(['Normal', HealthReason.Healthy]);
  });

  it('turns AgentHealthy False (Unreachable) when the agent dies, and True once Railway restarts it', async () => {
    const proc = railway.server.runner?.processOf(serviceOf()?.id ?? '');
    expect(proc?.running).toBe(true);
    const killedAt = Date.now();
    process.kill(proc?.pid as number, 'SIGKILL');
    const down = await until(
      (x) => condition(x, AGENT_HEALTHY)?.status === 'False',
      60_000,
      'AgentHealthy did not turn False',
    );
    const wentDown = Date.parse(condition(down, AGENT_HEALTHY)?.lastTransitionTime ?? '');
    expect(condition(down, AGENT_HEALTHY)?.reason).toBe(HealthReason.Unreachable);
    // The kill caused it: the transition is not before the kill (lastTransitionTime has one-second resolution).
    expect(wentDown).toBeGreaterThanOrEqual(Math.floor(killedAt / 1000) * 1000);
    expect(condition(down, 'Ready')).toMatchObject({ status: 'False', reason: 'ComponentFailed' });
    expect(condition(down, 'Ready')?.message).toContain('AgentHealthy');

    const back = await until(
      (x) => condition(x, AGENT_HEALTHY)?.status === 'True',
      120_000,
      'AgentHealthy did not turn True again',
    );
    expect(condition(back, 'Ready')?.status).toBe('True');
    expect(Date.parse(condition(back, AGENT_HEALTHY)?.lastTransitionTime ?? '')).toBeGreaterThanOrEqual(wentDown);
    expect(railway.server.runner?.processOf(serviceOf()?.id ?? '')?.pid).not.toBe(proc?.pid);
    const reasons = (await events()).map((e) => [e.type, e.reason]);
    expect(reasons).toContainEqual(['Warning', HealthReason.Unreachable]);
    expect(reasons.filter(([, r]) => r === HealthReason.Healthy).length).toBeGreaterThanOrEqual(1);
  });

  it('gets a spec.llm.model change and the n8n webhook credential into the service variables and the running agent', async () => {
    // The workflows component's Secret (written by hand here): the agent gets its header and token.
    await bed.kube.create(
      `/api/v1/namespaces/dept-${dept}/secrets`,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'n8n-webhook' },
        stringData: { header: 'X-Webhook-Auth', token: 'webhook-token' },
      },
      'test',
    );
    const current = await department();
    await custom().replaceClusterCustomObject({
      ...GROUP,
      name: dept,
      body: { ...current, spec: { ...current.spec, llm: { ...current.spec.llm, model: 'llama-4-scout' } } },
    });
    await until(
      (x) => condition(x, AGENT_HEALTHY)?.message.includes('llm cerebras/llama-4-scout') === true,
      300_000,
      'AgentHealthy never showed the new model',
    );
    expect(railway.server.state.variables.get(serviceOf()?.id ?? '')).toMatchObject({
      LLM_MODEL: 'llama-4-scout',
      N8N_WEBHOOK_HEADER: 'X-Webhook-Auth',
      N8N_WEBHOOK_TOKEN: 'webhook-token',
    });
    const { body } = await readyOverEdge();
    expect(body.settings).toMatchObject({ llm: { model: 'llama-4-scout' } });
  });

  it('fails the deployment with the agent’s own message when the platform lacks the key the spec needs', async () => {
    const current = await department();
    await custom().replaceClusterCustomObject({
      ...GROUP,
      name: dept,
      body: { ...current, spec: { ...current.spec, llm: { provider: 'google' } } },
    });
    const d = await until(
      (x) => condition(x, 'RuntimeReady')?.status === 'False',
      300_000,
      'RuntimeReady did not turn False',
    );
    expect(condition(d, 'RuntimeReady')?.reason).toBe('DeploymentFailed');
    expect(condition(d, 'RuntimeReady')?.message).toContain('spec.llm.provider google needs GOOGLE_API_KEY');
  });
});
