import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withBuildLock } from './binaries.ts';
import { buildOutput, run } from './go-build.ts';
import { REPO_ROOT } from './repo-root.ts';
import { cacheDir } from './versions.ts';

/** The recipe the controller image builds the CLI from (deploy/images/Dockerfile): the tests run the same engine. */
const RECIPE_DIR = join(REPO_ROOT, 'deploy', 'images', 'pulumi');

/** The engine version, from the recipe; at least the installed @pulumi/pulumi so the Automation API accepts it. */
export const PULUMI_VERSION = /github\.com\/pulumi\/pulumi\/pkg\/v3 (v[\d.]+)/.exec(
  readFileSync(join(RECIPE_DIR, 'go.mod'), 'utf8'),
)?.[1] as string;

export interface PulumiCli {
  /** Install root: `PulumiCommand.get({ root })` runs `<root>/bin/pulumi`. */
  root: string;
  /** Directory holding `pulumi`. */
  binDir: string;
  pulumi: string;
  /** PULUMI_HOME for the engine (plugins, credentials), inside the cache. */
  pulumiHome: string;
}

/**
 * Finds the pulumi CLI: PULUMI_CLI_ROOT (a directory with bin/pulumi), then the cache, else builds it from the
 * Go module proxy with deploy/images/pulumi/build.sh under the shared build lock.
 */
export async function ensurePulumiCli(): Promise<PulumiCli> {
  const root = process.env.PULUMI_CLI_ROOT ?? join(cacheDir(), 'bin', `pulumi-${PULUMI_VERSION}`);
  const binDir = join(root, 'bin');
  const pulumi = join(binDir, 'pulumi');
  if (!existsSync(pulumi)) {
    if (process.env.PULUMI_CLI_ROOT) throw new Error(`PULUMI_CLI_ROOT=${root} holds no bin/pulumi`);
    await withBuildLock(async () => {
      if (!existsSync(pulumi)) await buildPulumi(pulumi);
    });
  }
  const pulumiHome = join(cacheDir(), 'pulumi-home');
  await mkdir(pulumiHome, { recursive: true });
  return { root, binDir, pulumi, pulumiHome };
}

async function buildPulumi(output: string): Promise<void> {
  const label = `pulumi ${PULUMI_VERSION}`;
  const started = Date.now();
  const ticker = setInterval(() => {
    buildOutput.write(`[${label}] still building (${Math.round((Date.now() - started) / 1000)} s)\n`);
  }, 30_000);
  // The recipe is copied into the cache: `go mod tidy` writes go.sum beside go.mod, never into the checkout.
  const workDir = join(cacheDir(), 'build', `pulumi-${PULUMI_VERSION}`);
  const partial = `${output}.partial`;
  try {
    await mkdir(workDir, { recursive: true });
    await mkdir(dirname(output), { recursive: true });
    for (const file of ['go.mod', 'tools.go', 'build.sh']) await copyFile(join(RECIPE_DIR, file), join(workDir, file));
    buildOutput.write(`[${label}] building github.com/pulumi/pulumi/pkg/v3/cmd/pulumi\n`);
    await run('sh', [join(workDir, 'build.sh'), partial], workDir, label);
    await rename(partial, output);
    buildOutput.write(`[${label}] built in ${Math.round((Date.now() - started) / 1000)} s\n`);
  } finally {
    clearInterval(ticker);
    await rm(partial, { force: true });
  }
}
