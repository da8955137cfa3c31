import { spawn } from 'node:child_process';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against a kubeconfig; never throws on a non-zero exit (callers assert on it). */
export function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // kubectl may exit (a refused flag, a dead apiserver, a command that reads no input) before it reads its
    // input; the write then fails with EPIPE, which is not this call's error: the exit code and stderr say
    // what went wrong.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin ?? '');
  });
}

/** Like kubectl(), but fails with kubectl's own message on a non-zero exit. */
export async function kubectlOk(kubeconfig: string, args: string[], stdin?: string): Promise<string> {
  const result = await kubectl(kubeconfig, args, stdin);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}
