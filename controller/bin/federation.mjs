#!/usr/bin/env node
// `npx federation ...`: the operator's command line (controller/cli.ts), run through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv.slice(2));
