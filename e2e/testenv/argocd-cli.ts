import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { withBuildLock } from './binaries.ts';
import { buildGoBinary, buildOutput, go } from './go-build.ts';
import { cacheDir } from './versions.ts';

/**
 * The argocd CLI the health-check tests run (`argocd admin settings resource-overrides health`), built from the
 * Go module proxy. v3.6.x declares go 1.27; v3.5.7 is the newest that builds with the Go here (1.26).
 */
export const ARGOCD_VERSION = 'v3.5.7';

/**
 * argo-cd's go.mod replaces its gitops-engine with the repository's ./gitops-engine directory, which the module
 * zip does not contain, and the proxy refuses the pseudo-version it requires. This is the newest gitops-engine
 * the proxy serves; the Lua runtime (util/lua) and the health-override command are argo-cd v3.5.7's own code.
 */
export const GITOPS_ENGINE_VERSION = 'v0.0.0-20260914071520-c9c369efcc5b';

const MODULE = 'github.com/argoproj/argo-cd/v3';

/** Finds the argocd CLI: ARGOCD_BIN, then the cache, else builds it under the shared build lock (~7 CPU-minutes). */
export async function ensureArgocdCli(): Promise<string> {
  if (process.env.ARGOCD_BIN) {
    if (!existsSync(process.env.ARGOCD_BIN)) throw new Error(`ARGOCD_BIN=${process.env.ARGOCD_BIN} does not exist`);
    return process.env.ARGOCD_BIN;
  }
  const bin = join(cacheDir(), 'bin', `argocd-${ARGOCD_VERSION}`, 'argocd');
  if (!existsSync(bin)) {
    await withBuildLock(async () => {
      if (!existsSync(bin)) await buildArgocd(bin);
    });
  }
  return bin;
}

async function buildArgocd(output: string): Promise<void> {
  await mkdir(dirname(output), { recursive: true });
  const label = `argocd ${ARGOCD_VERSION}`;
  const workDir = join(cacheDir(), 'build', `argocd-${ARGOCD_VERSION}`);
  await mkdir(workDir, { recursive: true });
  buildOutput.write(`[${label}] fetching ${MODULE}@${ARGOCD_VERSION}\n`);
  const info = JSON.parse(await go(['mod', 'download', '-json', `${MODULE}@${ARGOCD_VERSION}`], workDir, label));
  const common = `${MODULE}/common`;
  await buildGoBinary({
    label,
    workDir,
    goMod: argocdWrapperGoMod(await readFile(info.GoMod, 'utf8')),
    toolsImport: `${MODULE}/cmd`,
    pkg: `${MODULE}/cmd`,
    // The cmd package picks the tool by its binary's name: the output must be called `argocd`.
    ldflags: `-s -w -X ${common}.version=${ARGOCD_VERSION.slice(1)} -X ${common}.gitTreeState=clean`,
    output,
  });
}

/**
 * A wrapper module requiring argo-cd: its replace directives do not apply to a dependent module, so they are
 * repeated (pinned k8s.io staging modules and others), except the local gitops-engine one (see above).
 */
export function argocdWrapperGoMod(argocdGoMod: string): string {
  const goVersion = argocdGoMod.match(/^go\s+(\S+)/m)?.[1];
  const block = argocdGoMod.match(/^replace \($[\s\S]*?^\)$/m)?.[0];
  if (!goVersion || !block) throw new Error(`${MODULE}@${ARGOCD_VERSION} go.mod has no go line or replace block`);
  return [
    'module federation.local/argocd',
    '',
    `go ${goVersion}`,
    '',
    `require ${MODULE} ${ARGOCD_VERSION}`,
    '',
    block,
    '',
    `replace github.com/argoproj/argo-cd/gitops-engine => github.com/argoproj/argo-cd/gitops-engine ${GITOPS_ENGINE_VERSION}`,
    '',
  ].join('\n');
}

const run = promisify(execFile);
const cliEnv = () => ({ ...process.env, ARGOCD_BINARY_NAME: 'argocd', HOME: process.env.HOME ?? '/tmp' });

/** `argocd version --client`: proves the binary runs (and reads it into the page cache). */
export async function argocdVersion(argocd: string): Promise<string> {
  const { stdout } = await run(argocd, ['version', '--client', '--short'], { env: cliEnv() });
  return stdout.trim();
}

export interface HealthResult {
  status: string;
  message: string;
}

/**
 * Argo CD's verdict on one object with the health checks of an argocd-cm (scripts run as Argo CD runs them:
 * its Lua VM, the restricted libraries of argocd-cm scripts, gitops-engine's checks before the script).
 */
export async function argocdHealth(argocd: string, objectFile: string, argocdCm: string): Promise<HealthResult> {
  const { stdout } = await run(
    argocd,
    ['admin', 'settings', 'resource-overrides', 'health', objectFile, '--argocd-cm-path', argocdCm],
    { env: cliEnv() },
  );
  const status = stdout.match(/^STATUS: ?(.*)$/m)?.[1];
  const message = stdout.match(/^MESSAGE: ?(.*)$/m)?.[1];
  if (status === undefined) throw new Error(`argocd printed no health status for ${objectFile}:\n${stdout}`);
  return { status: status.trim(), message: (message ?? '').trim() };
}
