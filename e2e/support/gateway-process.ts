import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from '../testenv/repo-root.ts';
import { waitFor } from '../testenv/wait.ts';

/** Test support (not a test): `gateway/main.ts` as its own OS process, as a replica runs in a cluster. */
export async function gatewayProcess(
  databaseUrl: string,
  kubeconfig: string,
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      GATEWAY_DATABASE_URL: databaseUrl,
      KUBECONFIG: kubeconfig,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
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
  return { url, child, output: () => output };
}
