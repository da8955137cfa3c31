#!/usr/bin/env node
// `npm run build`: the production build. Compiles the shipped folders to dist/ (tsconfig.build.json: .ts imports
// rewritten to .js) and copies beside them the files the code reads at run time by path: SQL migrations and
// their journal, n8n workflow templates, Railway GraphQL operations, the Pulumi provider plugin's launcher and the
// engine process guard (plain .mjs).
// Plain Node (no bundler): the output keeps the source tree's shape, so every `new URL('./x', import.meta.url)`
// resolves the same way in dist/ as in a checkout.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASSETS, isPluginLauncher, SHIPPED } from './layout.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
// `--out <dir>` builds somewhere else than dist/ (the production-tree test builds into a temporary directory).
const outFlag = process.argv.indexOf('--out');
const out = outFlag === -1 ? join(root, 'dist') : resolve(process.argv[outFlag + 1] ?? 'dist');

const started = Date.now();
rmSync(out, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
  { cwd: root, stdio: 'inherit' },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

let copied = 0;
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name === 'node_modules') continue;
      copyAssets(path);
    } else if (ASSETS.has(extname(name)) || isPluginLauncher(path)) {
      cpSync(path, join(out, relative(root, path)), { preserveTimestamps: true });
      copied++;
    }
  }
}
for (const dir of SHIPPED) copyAssets(join(root, dir));
console.log(
  `[build] ${relative(process.cwd(), out) || '.'} written in ${((Date.now() - started) / 1000).toFixed(1)} s (${copied} assets copied)`,
);
