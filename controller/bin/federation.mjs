#!/usr/bin/env node
// `npx federation ...`: the operator's command line (controller/cli/main.ts).
import { run } from './cli-entry.mjs';

await run('federation');
