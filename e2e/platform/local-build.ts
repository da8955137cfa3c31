import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../testenv/platform.ts';

/**
 * Where `npm start` runs the controller and the gateway from: the shipped folders transpiled by
 * deploy/transpile.mjs (dist/'s layout, only changed files redone), so the two start on plain Node rather than
 * through tsx's loader. Inside the checkout's .federation/ (ignored by git), beside the kept state.
 */
export const LOCAL_BUILD = join(REPO_ROOT, '.federation', 'build');

/** Brings LOCAL_BUILD up to date in a child process (it runs beside the platform's start, on the other core). */
export function transpileLocalBuild(log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'deploy', 'transpile.mjs'), '--out', LOCAL_BUILD], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) {
        for (const line of output.split('\n').filter(Boolean)) log(line);
        resolve();
      } else reject(new Error(`deploy/transpile.mjs failed (${code}):\n${output}`));
    });
  });
}
