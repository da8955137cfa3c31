#!/usr/bin/env node
// `npm run build -w agent-image`: compiles the agent to agent-image/dist (plain tsc, no bundler: job processes
// load dist/agent-image/src/worker/job.js by path, so the tree keeps its shape).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const started = Date.now();
rmSync(join(here, 'dist'), { recursive: true, force: true });
const run = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`[agent-image] dist/ written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
