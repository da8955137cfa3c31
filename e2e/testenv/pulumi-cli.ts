import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withBuildLock } from './binaries.ts';
import { buildGoBinary } from './go-build.ts';
import { cacheDir } from './versions.ts';

/** The engine version; at least the installed @pulumi/pulumi so the Automation API's version check passes. */
export const PULUMI_VERSION = 'v3.248.0';

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
 * Go module proxy under the shared build lock.
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
  await mkdir(dirname(output), { recursive: true });
  const versionVar = 'github.com/pulumi/pulumi/sdk/v3/go/common/version.Version';
  await buildGoBinary({
    label: `pulumi ${PULUMI_VERSION}`,
    workDir: join(cacheDir(), 'build', `pulumi-${PULUMI_VERSION}`),
    // The pkg module's own replace directives do not apply to a dependent module; repeat the one it needs.
    goMod: [
      'module federation.local/pulumi',
      '',
      'go 1.25.11',
      '',
      `require (\n\tgithub.com/pulumi/pulumi/pkg/v3 ${PULUMI_VERSION}\n\tgithub.com/pulumi/pulumi/sdk/v3 ${PULUMI_VERSION}\n)`,
      '',
      'replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e',
      '',
    ].join('\n'),
    toolsImport: 'github.com/pulumi/pulumi/pkg/v3/cmd/pulumi',
    pkg: 'github.com/pulumi/pulumi/pkg/v3/cmd/pulumi',
    ldflags: `-s -w -X ${versionVar}=${PULUMI_VERSION}`,
    output,
  });
}
