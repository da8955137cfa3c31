// The local platform's build (`npm start` runs its launcher, the controller and the gateway from it): the shipped
// folders in the same tree as `npm run build`'s dist/, and e2e/ beside them. Each file is transpiled on its own
// (TypeScript's transpileModule, no type check) and only when its source changed, so an unchanged checkout costs
// a walk of the tree (about 30 ms) instead of a 15-30 s tsc run, and the processes start without tsx's loader
// (1-3 s of CPU less each on 2 cores). `npm run build` stays the production build; tsc checks the types in CI.
//
//   node deploy/transpile.mjs --out <dir>
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';
import { ASSETS, isExcludedSource, isPluginLauncher, LOCAL_BUILD_FOLDERS } from './layout.mjs';

/**
 * Brings `out` up to date with the sources of LOCAL_BUILD_FOLDERS under `root`; returns how many files it wrote and removed.
 * Outputs whose source is gone are removed, so a deleted module cannot be imported from a stale build.
 */
export async function transpileChanged(root, out) {
  const wanted = new Map(); // output path -> [source path, kind]
  for (const dir of LOCAL_BUILD_FOLDERS) if (existsSync(join(root, dir))) collect(root, join(root, dir), wanted);
  // A source is rebuilt when its size or mtime differs from the one its output was made from (not only when it is
  // newer: a checkout of an older commit may give a file an older mtime).
  const manifestFile = join(out, '.sources.json');
  const made = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : {};
  const stamps = new Map(
    [...wanted].map(([target, [source]]) => {
      const s = statSync(source);
      return [target, `${s.mtimeMs}:${s.size}`];
    }),
  );
  const stale = [...wanted].filter(([target]) => made[target] !== stamps.get(target) || !existsSync(target));
  let ts;
  if (stale.some(([, [, kind]]) => kind === 'ts')) ts = (await import('typescript')).default;
  const options = ts && {
    target: ts.ScriptTarget.ES2022,
    // ES modules, as tsc emits them under NodeNext for this "type": "module" package (transpileModule sees no
    // package.json and would pick CommonJS under NodeNext).
    module: ts.ModuleKind.ESNext,
    verbatimModuleSyntax: true,
    rewriteRelativeImportExtensions: true,
    sourceMap: false,
    removeComments: false,
  };
  for (const [target, [source, kind]] of stale) {
    mkdirSync(dirname(target), { recursive: true });
    if (kind === 'ts') {
      const { outputText, diagnostics } = ts.transpileModule(readFileSync(source, 'utf8'), {
        compilerOptions: options,
        fileName: source,
        reportDiagnostics: true,
      });
      if (diagnostics?.length) {
        const text = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n');
        throw new Error(`transpiling ${relative(root, source)} failed:\n${text}`);
      }
      replace(target, (tmp) => writeFileSync(tmp, outputText));
    } else {
      replace(target, (tmp) => {
        copyFileSync(source, tmp);
        if (kind === 'launcher') chmodSync(tmp, 0o755);
      });
    }
  }
  let removed = 0;
  for (const dir of LOCAL_BUILD_FOLDERS) removed += prune(join(out, dir), wanted);
  if (stale.length || removed) {
    replace(manifestFile, (tmp) => writeFileSync(tmp, JSON.stringify(Object.fromEntries(stamps))));
  }
  return { written: stale.length, removed };

  function collect(base, dir, into) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(base, path);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') collect(base, path, into);
      } else if (extname(entry.name) === '.ts') {
        if (!isExcludedSource(rel)) into.set(join(out, rel.replace(/\.ts$/, '.js')), [path, 'ts']);
      } else if (ASSETS.has(extname(entry.name))) {
        into.set(join(out, rel), [path, 'asset']);
      } else if (isPluginLauncher(path)) {
        into.set(join(out, rel), [path, 'launcher']);
      }
    }
  }
}

/** Writes beside the target, then renames: a process loading the tree never reads half a file. */
function replace(target, write) {
  const tmp = `${target}.${process.pid}.tmp`;
  write(tmp);
  renameSync(tmp, target);
}

function prune(dir, wanted) {
  if (!existsSync(dir)) return 0;
  let removed = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removed += prune(path, wanted);
    else if (!wanted.has(path)) {
      rmSync(path);
      removed++;
    }
  }
  return removed;
}

/**
 * transpileChanged under a lock, reporting what it did through `log`: two platforms started from one checkout (the
 * tests do) share the build, so one transpiles and the other waits.
 */
export async function transpileLocked(root, out, log = (line) => console.log(line)) {
  mkdirSync(out, { recursive: true });
  const release = await lockfile.lock(out, {
    realpath: false,
    stale: 30_000,
    update: 5_000,
    retries: { retries: 120, minTimeout: 250, maxTimeout: 1000 },
    lockfilePath: `${out}.lock`,
  });
  try {
    const started = Date.now();
    const { written, removed } = await transpileChanged(root, out);
    if (written || removed) {
      log(`[transpile] ${written} written, ${removed} removed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await release();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outFlag = process.argv.indexOf('--out');
  if (outFlag === -1 || !process.argv[outFlag + 1]) {
    console.error('usage: node deploy/transpile.mjs --out <dir>');
    process.exit(2);
  }
  await transpileLocked(fileURLToPath(new URL('../', import.meta.url)), resolve(process.argv[outFlag + 1]));
}
