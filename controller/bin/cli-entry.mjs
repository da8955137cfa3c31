// Loads the command line and runs it on this process's arguments. In a development checkout (tsx installed) it
// runs the TypeScript sources, so it is never a stale build; in a production install (`npm ci --omit=dev`, no tsx)
// it runs the build in dist/ (`npm run build`).
import { createRequire } from 'node:module';

/** Runs `<name> <arguments>` and sets the process's exit code. */
export async function run(name) {
  let main;
  try {
    createRequire(import.meta.url).resolve('tsx');
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import('../cli/main.ts'));
  } catch (err) {
    if (err?.code !== 'MODULE_NOT_FOUND') throw err;
    ({ main } = await import('../../dist/controller/cli/main.js'));
  }
  process.exitCode = await main(process.argv.slice(2), name);
}
