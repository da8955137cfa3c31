import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a release pushes the department agent image, beside the controller's and the gateway's
 * (deploy/images/build.sh builds all three with one registry and one tag).
 */
export const AGENT_IMAGE_REPOSITORY = 'ghcr.io/synrg/federation-agent';

/**
 * The agent image of this release, `<AGENT_IMAGE_REPOSITORY>:<version>`: the version is that of the federation
 * package.json above `from` (the checkout's, or the image's /app/package.json), the tag build.sh gives all
 * three images by default. A Department runs it unless spec.runtime.image or RUNTIME_DEFAULT_IMAGE says
 * otherwise.
 */
export function releasedAgentImage(from = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'federation' && pkg.version) return `${AGENT_IMAGE_REPOSITORY}:${pkg.version}`;
  }
  throw new Error(
    `no federation package.json above ${from} to take the agent image's tag from: set RUNTIME_DEFAULT_IMAGE`,
  );
}
