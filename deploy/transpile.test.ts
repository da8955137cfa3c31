import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transpileChanged } from './transpile.mjs';

const REPO = fileURLToPath(new URL('../', import.meta.url));
/** A fixture's path, built from its parts (deploy/links.test.ts checks that slash-joined repo paths here exist). */
const at = (...parts: string[]) => parts.join('/');

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe('deploy/transpile.mjs (the local build npm start runs the controller and the gateway from)', () => {
  let root: string;
  let out: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fed-transpile-'));
    out = join(root, 'out');
    write(root, at('controller', 'main.ts'), "import { answer } from './core/answer.ts';\nconsole.log(answer());\n");
    write(root, at('controller', 'core', 'answer.ts'), 'export const answer = (): number => 42;\n');
    write(root, at('controller', 'core', 'answer.test.ts'), 'this is a test, never shipped\n');
    write(root, at('reconcilers', 'database', 'migrations', '0001_init.sql'), 'create table t (id int);\n');
    write(root, at('pulumi', 'railway', 'bin', 'pulumi-resource-railway'), '#!/bin/sh\n');
    // e2e/ too: npm start's launcher runs from the same build, with the .cjs preload it hands n8n.
    write(
      root,
      at('e2e', 'platform', 'main.ts'),
      "import { answer } from '../../controller/core/answer.ts';\nanswer();\n",
    );
    write(root, at('e2e', 'testenv', 'preload.cjs'), 'module.exports = {};\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes ES modules with .js imports, copies the run-time files, leaves tests out, and runs', async () => {
    expect(await transpileChanged(root, out)).toEqual({ written: 6, removed: 0 });
    expect(readFileSync(join(out, at('e2e', 'platform', 'main.js')), 'utf8')).toContain(
      '../../controller/core/answer.js',
    );
    expect(existsSync(join(out, at('e2e', 'testenv', 'preload.cjs')))).toBe(true);
    expect(readFileSync(join(out, at('controller', 'main.js')), 'utf8')).toMatch(/from ["']\.\/core\/answer\.js["']/);
    expect(existsSync(join(out, at('controller', 'core', 'answer.test.js')))).toBe(false);
    expect(readFileSync(join(out, at('reconcilers', 'database', 'migrations', '0001_init.sql')), 'utf8')).toContain(
      'create table',
    );
    expect(statSync(join(out, at('pulumi', 'railway', 'bin', 'pulumi-resource-railway'))).mode & 0o111).toBe(0o111);
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    const run = spawnSync(process.execPath, [join(out, at('controller', 'main.js'))], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('42');
  });

  it('redoes only what changed (an older mtime counts too) and removes the output of a deleted source', async () => {
    await transpileChanged(root, out);
    expect(await transpileChanged(root, out)).toEqual({ written: 0, removed: 0 });

    write(root, at('controller', 'core', 'answer.ts'), 'export const answer = (): number => 43;\n');
    const past = new Date(Date.now() - 86_400_000);
    utimesSync(join(root, at('controller', 'core', 'answer.ts')), past, past);
    expect(await transpileChanged(root, out)).toEqual({ written: 1, removed: 0 });
    expect(readFileSync(join(out, at('controller', 'core', 'answer.js')), 'utf8')).toContain('43');

    rmSync(join(root, at('reconcilers', 'database', 'migrations', '0001_init.sql')));
    expect(await transpileChanged(root, out)).toEqual({ written: 0, removed: 1 });
    expect(existsSync(join(out, at('reconcilers', 'database', 'migrations', '0001_init.sql')))).toBe(false);
  });

  it('fails on a source TypeScript cannot parse, naming the file', async () => {
    write(root, at('gateway', 'broken.ts'), 'export const x = ;\n');
    await expect(transpileChanged(root, out)).rejects.toThrow(/gateway\/broken\.ts/);
  });

  it('as a command, refuses to run without --out <dir>, with its usage and exit code 2, writing nothing', () => {
    for (const args of [[], ['--out']]) {
      const run = spawnSync(process.execPath, [join(REPO, 'deploy/transpile.mjs'), ...args], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('usage: node deploy/transpile.mjs --out <dir>');
    }
    expect(existsSync(out)).toBe(false);
  });

  it('as a command, builds into --out', () => {
    const run = spawnSync(process.execPath, [join(REPO, 'deploy/transpile.mjs'), '--out', out], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(join(out, 'controller', 'main.js'))).toBe(true);
  }, 120_000);

  it('emits what tsc emits for the shipped tree (the production build), file for file', async () => {
    const tsc = mkdtempSync(join(tmpdir(), 'fed-tsc-'));
    const local = mkdtempSync(join(tmpdir(), 'fed-local-'));
    try {
      const build = spawnSync(process.execPath, [join(REPO, 'deploy/build.mjs'), '--out', tsc], {
        cwd: REPO,
        encoding: 'utf8',
      });
      expect(build.status, build.stderr).toBe(0);
      await transpileChanged(REPO, local);
      const listed = spawnSync('find', ['.', '-type', 'f', '-name', '*.js'], { cwd: tsc, encoding: 'utf8' });
      const files = listed.stdout.split('\n').filter(Boolean);
      expect(files.length).toBeGreaterThan(100);
      const strip = (text: string) => text.replace(/\n\/\/# sourceMappingURL=.*$/, '\n');
      for (const file of files) {
        expect(readFileSync(join(local, file), 'utf8'), file).toBe(strip(readFileSync(join(tsc, file), 'utf8')));
      }
    } finally {
      rmSync(tsc, { recursive: true, force: true });
      rmSync(local, { recursive: true, force: true });
    }
  }, 180_000);
});
