import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../testenv/platform.ts';

/** What the product runs: the shipped folders and the local platform. Tests and benchmarks may read ../shared. */
const SCANNED = ['crds', 'controller', 'reconcilers', 'pulumi', 'gateway', 'agent-image', 'deploy', 'e2e', '.ci'];
const SKIPPED = /(\.test\.ts$|^e2e\/(bench|lint)\/|node_modules|\/vendor\/|^e2e\/railway\/vendor)/;
const READS_SHARED = /\.\.\/shared\b|['"`]shared\/(seeds|railway|hooks)|\bSHARED_DIR\b/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : files(path);
    return [path];
  });
}

describe('the repository stands alone', () => {
  it('does not read ../shared from anything the product or the local platform runs', () => {
    const offenders = SCANNED.flatMap((d) => {
      try {
        return files(join(REPO_ROOT, d));
      } catch {
        return [];
      }
    })
      .map((f) => relative(REPO_ROOT, f))
      .filter((f) => !SKIPPED.test(f))
      .filter((f) => READS_SHARED.test(readFileSync(join(REPO_ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
