import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { CROSS_DEPT_QUERY, searchRequest } from '../e2e/support/gateway-requests.ts';
import { waitFor } from '../e2e/testenv/wait.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Starts `gateway/main.ts` as its own OS process and resolves with its URL. */
async function gatewayProcess(databaseUrl: string, kubeconfig: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      GATEWAY_DATABASE_URL: databaseUrl,
      KUBECONFIG: kubeconfig,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let url = '';
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
    url ||= /"address":"(http:[^"]+)"/.exec(output)?.[1] ?? '';
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  await waitFor(async () => url !== '', {
    timeoutMs: 30_000,
    intervalMs: 100,
    describe: () => `gateway never listened: ${output}`,
  });
  return { url, child };
}

describe('rate limit across gateway processes', () => {
  let t: GatewayTestbed;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['rla', 'rlb'],
    });
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await t?.stop();
  });

  it('does admit at most the department’s limit through two processes together', async () => {
    const [a, b] = await Promise.all([
      gatewayProcess(t.gatewayUrl, inject('kubeconfig')),
      gatewayProcess(t.gatewayUrl, inject('kubeconfig')),
    ]);
    children.push(a.child, b.child);
    const [source, target] = t.departments as [string, string];
    await t.grant('rl', { source, target });
    const token = await t.token(source);
    // No Department resource exists for these names, so each process applies the default: 10 per minute.
    const calls = Array.from({ length: 30 }, (_, i) =>
      fetch(`${i % 2 ? a.url : b.url}${CROSS_DEPT_QUERY}`, searchRequest(`Bearer ${token}`, target)).then(
        (r) => r.status,
      ),
    );
    const statuses = await Promise.all(calls);
    expect(statuses.filter((s) => s === 200).length).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(20);
    const { rows } = await t.db.pool.query(
      'SELECT outcome, count(*)::int AS n FROM federation.cross_dept_audit WHERE source_department_id = $1 GROUP BY outcome ORDER BY outcome',
      [source],
    );
    expect(rows).toEqual([
      { outcome: 'allowed', n: 10 },
      { outcome: 'rate_limited', n: 20 },
    ]);
  });
});
