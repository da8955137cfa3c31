import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Its own configuration, so that `npm test` never runs it: `npm run test:faults`. One worker, one file, the cases
// in order against one platform; each case bounds its own waits.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../', import.meta.url)),
    include: ['e2e/faults/**/*.fault.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
