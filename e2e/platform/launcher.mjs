// How `npm start` (e2e/bootstrap.mjs) and the tests that launch the platform run its launcher, e2e/platform/main.ts:
// from the checkout's local build (deploy/transpile.mjs, only changed files redone) on plain Node. Through tsx's
// loader the launcher spent 3-4 s of CPU loading its modules, on the same 2 cores n8n boots on.
import { join } from 'node:path';
import { transpileLocked } from '../../deploy/transpile.mjs';

/** Brings `<root>/.federation/build` up to date and returns the node arguments that run the launcher from it. */
export async function launcherArgs(root, log = (line) => console.log(line)) {
  const build = join(root, '.federation', 'build');
  await transpileLocked(root, build, log);
  return [join(build, 'e2e', 'platform', 'main.js')];
}
