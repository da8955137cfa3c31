import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { withBuildLock } from './binaries.ts';
import { buildGoBinary } from './go-build.ts';
import type { KubeObject } from './kustomize.ts';
import { cacheDir } from './versions.ts';

/** The helm CLI the chart tests run (deploy/helm), built from the Go module proxy. */
export const HELM_VERSION = 'v4.3.2';

const MODULE = 'helm.sh/helm/v4';

export function helmBinPath(): string {
  return join(cacheDir(), 'bin', `helm-${HELM_VERSION}`, 'helm');
}

/** Finds the helm CLI: HELM_BIN, then the cache, else builds it under the shared build lock. */
export async function ensureHelmCli(): Promise<string> {
  if (process.env.HELM_BIN) {
    if (!existsSync(process.env.HELM_BIN)) throw new Error(`HELM_BIN=${process.env.HELM_BIN} does not exist`);
    return process.env.HELM_BIN;
  }
  const bin = helmBinPath();
  if (!existsSync(bin)) {
    await withBuildLock(async () => {
      if (!existsSync(bin)) await buildHelm(bin);
    });
  }
  return bin;
}

async function buildHelm(output: string): Promise<void> {
  await mkdir(dirname(output), { recursive: true });
  await buildGoBinary({
    label: `helm ${HELM_VERSION}`,
    workDir: join(cacheDir(), 'build', `helm-${HELM_VERSION}`),
    goMod: ['module federation.local/helm', '', 'go 1.26.0', '', `require ${MODULE} ${HELM_VERSION}`, ''].join('\n'),
    toolsImport: `${MODULE}/cmd/helm`,
    pkg: `${MODULE}/cmd/helm`,
    ldflags: `-s -w -X ${MODULE}/internal/version.version=${HELM_VERSION} -X ${MODULE}/internal/version.gitTreeState=clean`,
    output,
  });
}

const run = promisify(execFile);

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs helm with its own state (config, cache, data) under the test's directory, so nothing reads or writes
 * the user's ~/.config/helm; never throws on a non-zero exit (callers assert on it).
 */
export async function helm(bin: string, args: string[], home: string): Promise<HelmResult> {
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  try {
    const { stdout, stderr } = await run(bin, args, { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Like helm(), but fails with helm's own message on a non-zero exit. */
export async function helmOk(bin: string, args: string[], home: string): Promise<string> {
  const result = await helm(bin, args, home);
  if (result.code !== 0)
    throw new Error(`helm ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** `helm template` of a chart directory into the objects it renders (CRDs from crds/ included). */
export async function renderChart(
  bin: string,
  chart: string,
  opts: { home: string; namespace: string; set?: string[] },
): Promise<KubeObject[]> {
  const set = (opts.set ?? []).flatMap((s) => ['--set', s]);
  const stdout = await helmOk(
    bin,
    ['template', 'federation', chart, '--namespace', opts.namespace, '--include-crds', ...set],
    opts.home,
  );
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject)
    .filter(Boolean);
}
