// Loaded into n8n with `node --require` by e2e/testenv/n8n.ts (the local platform and the tests; not shipped).
// Two things, both for the start time on a small machine:
//
// 1. The static assets.
// On every start n8n rewrites its whole editor UI (65 MB of JS and CSS) into the user folder's static cache,
// streaming each file through five string replacements: about 4 s of a 12 s start on 2 cores. The output depends
// only on n8n's version and the settings passed to those replacements, and a kept user folder already holds it.
// n8n has no setting for this (N8N_DISABLE_UI would drop the editor), so this wraps the one method: it skips the
// rewrite while a stamp of those inputs, written after the last complete rewrite, still matches. Hand-written
// because no library does this; it is tied to n8n 1.123's Start command and fails loudly if that changes.
//
// 2. The list of modules n8n loaded. Once n8n serves, the files it required (5,400, 31 MB) are written, in load
// order, to FEDERATION_N8N_MODULE_LIST. The next start reads them ahead in parallel (e2e/testenv/prefetch.mjs)
// while n8n boots: n8n reads them one at a time, synchronously, and this machine's page cache does not keep them
// between runs.
'use strict';
const Module = require('node:module');
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join, sep } = require('node:path');

const START_COMMAND = `${sep}n8n${sep}dist${sep}commands${sep}start.js`;
const STAMP = '.federation-generated';
const MODULE_LIST = process.env.FEDERATION_N8N_MODULE_LIST;
const loaded = [];
const loadJson = Module._extensions['.json'];
Module._extensions['.json'] = function loadAndRecord(module, filename) {
  if (MODULE_LIST) loaded.push(filename);
  return loadJson.call(this, module, filename);
};
const loadJs = Module._extensions['.js'];
let wrapped = false;

Module._extensions['.js'] = function loadAndWrap(module, filename) {
  if (MODULE_LIST) loaded.push(filename);
  loadJs.call(this, module, filename);
  if (wrapped || !filename.endsWith(START_COMMAND)) return;
  wrapped = true;
  const Start = module.exports.Start;
  const generate = Start?.prototype?.generateStaticAssets;
  if (typeof generate !== 'function' || typeof Start.prototype.generateConfigTags !== 'function') {
    throw new Error(`n8n-preload: ${filename} has no Start.generateStaticAssets; update e2e/testenv/n8n-preload.cjs`);
  }
  const { version } = JSON.parse(readFileSync(join(filename, '../../../package.json'), 'utf8'));
  Start.prototype.generateStaticAssets = async function generateStaticAssetsOnce() {
    const { globalConfig, instanceSettings } = this;
    const inputs = [
      version,
      globalConfig.path,
      globalConfig.externalFrontendHooksUrls,
      globalConfig.endpoints.rest,
      this.generateConfigTags(),
    ];
    const key = createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
    const stamp = join(instanceSettings.staticCacheDir, STAMP);
    let kept;
    try {
      kept = readFileSync(stamp, 'utf8');
    } catch {}
    if (kept === key && existsSync(join(instanceSettings.staticCacheDir, 'index.html'))) return;
    await generate.call(this);
    writeFileSync(stamp, key, { mode: 0o600 });
  };
  const run = Start.prototype.run;
  Start.prototype.run = async function runAndRecord(...args) {
    const result = await run.apply(this, args);
    if (MODULE_LIST) {
      try {
        writeFileSync(MODULE_LIST, `${loaded.join('\n')}\n`, { mode: 0o600 });
      } catch {
        // only a hint for the next start
      }
    }
    return result;
  };
};
