import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout: the nearest folder above this module with a package.json. That is two up from the sources
 * (e2e/testenv/) and four up from the local build npm start's launcher runs from (.federation/build/e2e/testenv/).
 */
export const REPO_ROOT = repoRootAbove(fileURLToPath(new URL('.', import.meta.url)));

function repoRootAbove(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'package.json'))) return `${at}/`;
    if (dirname(at) === at) throw new Error(`no package.json above ${dir}`);
  }
}
