import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RailwayApiError, RailwayClient } from '../../pulumi/railway/client.ts';
import { type RailwayServer, startRailwayServer } from './server.ts';

describe('local Railway server', () => {
  let server: RailwayServer;
  let client: RailwayClient;

  beforeAll(async () => {
    server = await startRailwayServer({ token: 't0ken' });
    client = new RailwayClient({ url: server.url, token: 't0ken', baseDelayMs: 1 });
  });
  afterAll(() => server.stop());

  it('creates a project, a service and a deployment that succeeds', async () => {
    const { projectCreate } = await client.request<{ projectCreate: { id: string } }>('project-create', {
      input: { name: 'aio-x-prod' },
    });
    const { serviceCreate } = await client.request<{ serviceCreate: { id: string } }>('service-create', {
      input: { projectId: projectCreate.id, name: 'voice-agent', source: { image: 'img:1' } },
    });
    const env = [...server.state.projects.values()][0]?.environmentId;
    const { serviceInstanceDeployV2: id } = await client.request<{ serviceInstanceDeployV2: string }>(
      'service-instance-deploy',
      { serviceId: serviceCreate.id, environmentId: env },
    );
    const { deployment } = await client.request<{ deployment: { status: string } }>('deployment', { id });
    expect(deployment.status).toBe('SUCCESS');
  });

  it('retries 429 honouring Retry-After and 5xx', async () => {
    server.faults.failNext(1, { status: 429, retryAfterSeconds: 1 });
    server.faults.failNext(2, { status: 502 });
    const started = Date.now();
    await client.request('projects', {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requestLog.slice(-4).map((e) => e.status)).toEqual([429, 502, 502, 200]);
  });

  it('surfaces GraphQL errors with their message', async () => {
    await expect(client.request('project', { id: 'nope' })).rejects.toThrow(RailwayApiError);
    await expect(client.request('project', { id: 'nope' })).rejects.toThrow(/Project not found/);
  });

  it('refuses requests without the token', async () => {
    const other = new RailwayClient({ url: server.url, token: 'wrong' });
    await expect(other.request('projects', {})).rejects.toThrow(/Not Authorized/);
  });

  it('rejects operations that do not validate against the schema', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { authorization: 'Bearer t0ken', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ projects { nonsense } }' }),
    });
    expect(res.status).toBe(400);
  });
});
