import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../testenv/platform.ts';

/**
 * Where `npm start` runs the controller and the gateway from: the shipped folders transpiled by
 * deploy/transpile.mjs (dist/'s layout, only changed files redone), so the two start on plain Node rather than
 * through tsx's loader. Inside the checkout's .federation/ (ignored by git), beside the kept state.
 */
export const LOCAL_BUILD = join(REPO_ROOT, '.federation', 'build');

const run = promisify(execFile);

/** The launcher runs from LOCAL_BUILD (e2e/platform/launcher.mjs) once it was brought up to date before it started. */
const runningFromLocalBuild = fileURLToPath(import.meta.url).startsWith(`${LOCAL_BUILD}/`);

let built: Promise<void> | undefined = runningFromLocalBuild ? Promise.resolve() : undefined;

/**
 * Brings LOCAL_BUILD up to date once per process (a child process: npm start runs it beside the platform's start,
 * on the other core); startController and startGateway wait for it, so every caller runs a current build.
 */
export function ensureLocalBuild(log: (line: string) => void = () => {}): Promise<void> {
  built ??= transpileLocalBuild(log);
  return built;
}

async function transpileLocalBuild(log: (line: string) => void): Promise<void> {
  try {
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'deploy', 'transpile.mjs'), '--out', LOCAL_BUILD], {
      cwd: REPO_ROOT,
    });
    for (const line of stdout.split('\n').filter(Boolean)) log(line);
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`deploy/transpile.mjs failed (${code}):\n${stdout ?? ''}${stderr ?? ''}`);
  }
}
