import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LaunchedPlatform, launchPlatform, waitForExamplesActive } from '../support/launch-platform.ts';
import { REPO_ROOT } from '../testenv/platform.ts';
import { waitFor } from '../testenv/wait.ts';

/** What a new user has: this repository cloned into an empty directory (no ../shared), and the binary cache. */
describe('a fresh clone', () => {
  const base = mkdtempSync(join(tmpdir(), 'fed-clone-'));
  // Like a home directory: run as root, the Postgres server (its own user) must reach the clone's node_modules.
  chmodSync(base, 0o755);
  const clone = join(base, 'federation');
  let platform: LaunchedPlatform | undefined;
  afterAll(async () => {
    platform?.child.kill('SIGINT');
    await platform?.exited;
    rmSync(base, { recursive: true, force: true });
  });

  it('does run the local platform to the examples Active without ../shared', async () => {
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone]);
    expect(existsSync(join(clone, '..', 'shared'))).toBe(false);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: clone, stdio: 'ignore' });
    const launched = await launchPlatform({ cwd: clone, args: ['--fresh'], stateDir: join(clone, '.federation') });
    platform = launched;
    await waitForExamplesActive(launched);
    // The summary, with each example's phase, follows once the examples have settled.
    await waitFor(async () => launched.output().includes('department hr'), {
      timeoutMs: 60_000,
      intervalMs: 200,
      describe: () => `no summary naming department hr in: ${launched.output()}`,
    });
  }, 900_000);
});
