// `npx tsx e2e/testenv/prepare.ts`: builds and installs into the cache everything the tests and `npm start` need,
// with one progress display; `.ci/run` runs it before anything else.
import { TEST_ARTIFACTS } from './artifacts.ts';
import { prepareAll } from './prepare-all.ts';
import { ensureThirdPartyCrds } from './third-party-crds.ts';

const started = Date.now();
try {
  await prepareAll(TEST_ARTIFACTS);
  console.log(`[prepare] third-party CRDs: ${(await ensureThirdPartyCrds()).length} files`);
  console.log(`[prepare] everything cached, ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(`[prepare] ${(err as Error).message}`);
  process.exit(1);
}
