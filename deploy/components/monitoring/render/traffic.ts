import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Department like the hr example, under another name, with its own (placeholder) OAuth client Secret. */
function department(name: string): string {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `${name}-google-oauth`,
      namespace: 'federation-oauth-clients',
      labels: { 'federation.synrg.io/department': name },
    },
    stringData: { client_id: `${name}.apps.googleusercontent.com`, client_secret: `example-only-${name}` },
  };
  const dept = {
    apiVersion: 'federation.synrg.io/v1alpha1',
    kind: 'Department',
    metadata: { name },
    spec: {
      oauth: { secretRef: { name: `${name}-google-oauth`, namespace: 'federation-oauth-clients' } },
      displayName: `Dashboard ${name}`,
      adminEmail: `${name}@example.com`,
      enabledTools: ['email', 'database'],
      googleWorkspace: { domain: `${name}.example.com` },
      llm: { provider: 'cerebras', temperature: 0.5 },
      stt: { provider: 'deepgram' },
      tts: { provider: 'cartesia' },
    },
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [secret, dept] });
}

/**
 * Exercises the local platform for `durationMs` (loopback only, bounded): three Departments are created and
 * one deleted again, the hr agent's token queries sales' documents and reads its audit trail, and tokenless
 * callers run into the unauthenticated rate limit. Every Department it made is deleted at the end.
 */
export async function driveTraffic(env: Record<string, string>, durationMs: number, log: (line: string) => void) {
  const kubectl = (args: string[], input?: string) => {
    const child = run('kubectl', ['--kubeconfig', env.KUBECONFIG as string, ...args]);
    if (input !== undefined) child.child.stdin?.end(input);
    return child;
  };
  const procEnv = { ...process.env, ...env };
  const { stdout } = await run(
    process.execPath,
    [join(ROOT, 'controller/bin/federation.mjs'), 'token', '--department', 'hr', '--role', 'agent', '--lifetime', '1h'],
    { env: procEnv },
  );
  const token = stdout.trim();
  const gateway = env.GATEWAY_URL as string;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${gateway}${path}`, init).then(
      (r) => r.status,
      () => 0,
    );
  const authed = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  // A fresh suffix each run: a deleted Department's namespace may still be terminating from the last one.
  const suffix = Date.now().toString(36).slice(-5);
  const names = ['a', 'b', 'c'].map((n) => `dash-${suffix}-${n}`);
  const started = Date.now();
  const steps = [
    { at: 0, run: () => kubectl(['apply', '-f', '-'], department(names[0] as string)) },
    { at: 0.2, run: () => kubectl(['apply', '-f', '-'], department(names[1] as string)) },
    { at: 0.4, run: () => kubectl(['apply', '-f', '-'], department(names[2] as string)) },
    { at: 0.7, run: () => kubectl(['delete', 'department', names[0] as string, '--wait=false']) },
  ];
  const statuses = new Map<number, number>();
  try {
    let tick = 0;
    while (Date.now() - started < durationMs) {
      const elapsed = (Date.now() - started) / durationMs;
      while (steps[0] && steps[0].at <= elapsed) {
        const step = steps.shift();
        await step?.run();
        log(`[traffic] ${Math.round(elapsed * 100)}%: departments changed`);
      }
      const calls = [
        call('/api/v1/cross-dept/query', {
          method: 'POST',
          headers: authed,
          body: JSON.stringify({
            target_department_id: 'sales',
            query_type: 'search_documents',
            query_params: { query: 'contract' },
          }),
        }),
      ];
      if (tick % 4 === 0) calls.push(call('/api/v1/audit', { headers: authed }));
      // Tokenless callers for a third of the time: 401s, then 429s from the unauthenticated limit.
      if (elapsed > 0.3 && elapsed < 0.6) calls.push(call('/api/v1/audit'), call('/api/v1/audit'));
      for (const status of await Promise.all(calls)) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      tick++;
      await sleep(500);
    }
  } finally {
    await kubectl(['delete', 'department', ...names, '--ignore-not-found', '--wait=false']);
    const secrets = names.map((n) => `${n}-google-oauth`);
    await kubectl([
      'delete',
      'secret',
      '-n',
      'federation-oauth-clients',
      ...secrets,
      '--ignore-not-found',
      '--wait=false',
    ]);
  }
  log(`[traffic] gateway answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
}
