#!/usr/bin/env node
// `npx federation ...`: the operator's command line. Runs the production build (dist/, `npm run build`) when it
// is there; in a development checkout without a build it runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../../dist/controller/cli/main.js', import.meta.url);
let main;
if (existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
