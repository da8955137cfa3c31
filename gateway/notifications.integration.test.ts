import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSecretData } from '../controller/platform/kube/secrets.ts';
import { namespaceFor } from '../crds/names.ts';
import { DATABASE_SECRET } from '../crds/secrets.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { freePort } from '../e2e/testenv/ports.ts';
import { REPO_ROOT } from '../e2e/testenv/repo-root.ts';
import { waitFor } from '../e2e/testenv/wait.ts';

/**
 * The gateway's LISTEN channel as an attacker with a tenant's own database login sees it: Postgres lets any login
 * NOTIFY on any channel. The gateway runs as its real process (gateway/main.ts), listening, so a payload that
 * crashed its listener would end the process.
 */
describe('gateway notifications from a tenant login', () => {
  let t: GatewayTestbed;
  let gateway: ChildProcess;
  let url: string;
  let tenant: pg.Client;
  let log = '';
  let hr: string;
  let sales: string;
  let barrier: string;
  const ghost = `ghost-${Date.now().toString(36)}`;

  /** 200 when the gateway admits the department's agent token, its refusal status otherwise. */
  async function admitted(department: string, token?: string): Promise<number> {
    const bearer = token ?? (await t.token(department));
    const res = await fetch(`${url}/api/v1/audit?department=${department}`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    await res.arrayBuffer();
    return res.status;
  }

  async function until(department: string, status: number, token?: string): Promise<void> {
    await waitFor(async () => (await admitted(department, token)) === status, {
      timeoutMs: 20_000,
      describe: () => `${department}'s token never answered ${status}:\n${log.slice(-2000)}`,
    });
  }

  /**
   * Notifications reach the listener in commit order: once a real change committed after the forged ones is
   * visible through the gateway, the forged ones have been handled.
   */
  async function settle(): Promise<void> {
    const token = await t.token(barrier);
    await t.db.pool.query(
      `INSERT INTO federation.gateway_token_revocations VALUES ($1, now() + interval '1 hour')
       ON CONFLICT (department_id) DO UPDATE SET revoked_before = EXCLUDED.revoked_before`,
      [barrier],
    );
    await until(barrier, 401, token);
    await t.db.pool.query('DELETE FROM federation.gateway_token_revocations WHERE department_id = $1', [barrier]);
    await until(barrier, 200, token);
  }

  async function forge(payload: string): Promise<void> {
    await tenant.query("SELECT pg_notify('federation_gateway', $1)", [payload]);
  }

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['hr', 'sales', 'barrier'],
    });
    [hr, sales, barrier] = t.departments as [string, string, string];
    const login = await readSecretData(t.kube, { namespace: namespaceFor(hr), name: DATABASE_SECRET });
    tenant = new pg.Client({ connectionString: login?.url });
    await tenant.connect();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gateway = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'gateway/main.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        GATEWAY_DATABASE_URL: t.gatewayUrl,
        KUBECONFIG: inject('kubeconfig'),
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    gateway.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, {
      timeoutMs: 60_000,
      gone: () => gateway.exitCode !== null,
      describe: () => `the gateway did not become ready:\n${log}`,
    });
    // Pushed, not polled: the directory answers from memory once its LISTEN connection is up.
    await settle();
  });

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
    }
    await tenant?.end();
    await t?.stop();
  });

  it('does not let a forged revocation refuse another department’s tokens', async () => {
    expect(await admitted(sales)).toBe(200);
    await forge(JSON.stringify({ kind: 'revocation', id: sales, before_ms: 9_999_999_999_999 }));
    await forge(sales);
    await settle();
    expect(await admitted(sales)).toBe(200);
  });

  it('does not let a forged notification take back a real revocation', async () => {
    const revokedToken = await t.token(hr);
    await t.db.pool.query(
      `INSERT INTO federation.gateway_token_revocations VALUES ($1, now() + interval '1 hour')
       ON CONFLICT (department_id) DO UPDATE SET revoked_before = EXCLUDED.revoked_before`,
      [hr],
    );
    try {
      await until(hr, 401, revokedToken);
      await forge(JSON.stringify({ kind: 'revocation', id: hr, before_ms: null }));
      await settle();
      expect(await admitted(hr, revokedToken)).toBe(401);
    } finally {
      await t.db.pool.query('DELETE FROM federation.gateway_token_revocations WHERE department_id = $1', [hr]);
    }
  });

  it('does not let a forged status activate a department that was never provisioned', async () => {
    expect(await admitted(ghost)).toBe(401);
    await forge(JSON.stringify({ kind: 'department', id: ghost, status: 'ACTIVE' }));
    await forge(ghost);
    await settle();
    expect(await admitted(ghost)).toBe(401);
  });

  it('keeps serving after payloads it cannot read, and logs them', async () => {
    for (const payload of ['x', '{', '{"kind":1}', 'null', '{"id":"Robert\'); DROP TABLE--"}', 'a'.repeat(7000)]) {
      await forge(payload);
    }
    await settle();
    expect(gateway.exitCode).toBeNull();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(await admitted(sales)).toBe(200);
    expect(log).toContain('unreadable notification ignored');
  });
});
