/**
 * Revocation latency: `npm run bench:revocation`. Two gateway processes (gateway/main.ts, as two replicas) serve
 * agents of 20 departments; each department's tokens are revoked in turn (the row the gateway-token component
 * writes on deprovision), and both gateways are polled every few milliseconds until each refuses the token.
 * Prints, over the 20 revocations, the median and maximum time from the revocation's commit until every
 * replica refused (goal: under 2 s), and the same per replica.
 *
 *   npm run bench:revocation                (starts its own API server and Postgres)
 *   KUBECONFIG=... DATABASE_URL=... npm run bench:revocation
 */
import type { ChildProcess } from 'node:child_process';
import { startTestbed } from '../support/gateway.ts';
import { gatewayProcess } from '../support/gateway-process.ts';
import { startPlatform } from '../testenv/platform.ts';

const REVOCATIONS = 20;
const POLL_MS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

async function main(): Promise<void> {
  const platform =
    process.env.KUBECONFIG && process.env.DATABASE_URL ? undefined : await startPlatform({ installCrds: true });
  const kubeconfig = process.env.KUBECONFIG ?? (platform?.kubeconfig as string);
  const t = await startTestbed({
    kubeconfig,
    databaseUrl: process.env.DATABASE_URL ?? (platform?.databaseUrl as string),
    prefixes: [],
  });
  const children: ChildProcess[] = [];
  try {
    // Authentication needs only an ACTIVE departments row; no tenant schema is involved.
    const departments = Array.from({ length: REVOCATIONS }, (_, i) => `rev-${i}-${Date.now().toString(36)}`);
    for (const d of departments) {
      await t.db.pool.query(
        `INSERT INTO federation.departments (department_id, department_name, status, tenant_schema, admin_email)
         VALUES ($1, $1, 'ACTIVE', $2, 'bench@example.com')`,
        [d, `${d.replaceAll('-', '_')}_tenant`],
      );
    }
    const env = { UNAUTHENTICATED_PER_MINUTE: '100000' }; // LOG_LEVEL info: the address is read from the log
    const gateways = await Promise.all([
      gatewayProcess(t.gatewayUrl, kubeconfig, env),
      gatewayProcess(t.gatewayUrl, kubeconfig, env),
    ]);
    for (const g of gateways) children.push(g.child);
    const probe = (url: string, department: string, token: string) =>
      fetch(`${url}/api/v1/audit?department=${department}&limit=1`, { headers: { authorization: `Bearer ${token}` } });

    const all: number[] = [];
    const perGateway: number[][] = gateways.map(() => []);
    for (const department of departments) {
      const token = await t.token(department);
      for (const g of gateways) {
        const res = await probe(g.url, department, token);
        if (res.status !== 200) throw new Error(`token not accepted before its revocation: HTTP ${res.status}`);
      }
      await sleep(1100); // iat has one-second resolution: revoke strictly after the token was issued
      const started = performance.now();
      await t.db.pool.query(
        'INSERT INTO federation.gateway_token_revocations (department_id, revoked_before) VALUES ($1, now())',
        [department],
      );
      const seen = await Promise.all(
        gateways.map(async (g, i) => {
          for (;;) {
            const res = await probe(g.url, department, token);
            await res.arrayBuffer();
            if (res.status === 401) {
              const ms = performance.now() - started;
              perGateway[i]?.push(ms);
              return ms;
            }
            if (performance.now() - started > 30_000) throw new Error('revocation never reached a gateway');
            await sleep(POLL_MS);
          }
        }),
      );
      all.push(Math.max(...seen));
    }
    console.log(
      `\n== token revocation reaching 2 gateway processes, ${REVOCATIONS} revocations (poll every ${POLL_MS} ms)`,
    );
    console.log(
      `until every replica refuses: median ${median(all).toFixed(1)} ms, max ${Math.max(...all).toFixed(1)} ms`,
    );
    for (const [i, xs] of perGateway.entries()) {
      console.log(`  gateway ${i + 1}: median ${median(xs).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`);
    }
    console.log(`goal < 2000 ms: ${Math.max(...all) < 2000 ? 'meets' : 'misses'}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(500);
    await t.stop();
    await platform?.stop();
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exitCode = 1;
});
