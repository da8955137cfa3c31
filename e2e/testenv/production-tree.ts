import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './platform.ts';
import { ensurePulumiCli } from './pulumi-cli.ts';

/** The uid/gid the images run as are 65532; here the unprivileged `nobody` plays that part. */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/** What deploy/images/Dockerfile puts in an image, installed in a fresh directory of this machine. */
export interface ProductionTree {
  /** /app in the image: package.json, node_modules (production only), dist/. Not writable by UNPRIVILEGED. */
  root: string;
  /** /opt/pulumi in the controller image. */
  pulumiRoot: string;
  /** The controller's writable volume (RUNTIME_WORK_DIR), owned by UNPRIVILEGED. */
  workDir: string;
  /** Seconds each step took, and the sizes of the install and of dist/ (du -sk). */
  report: { buildSeconds: number; installSeconds: number; installKiB: number; distKiB: number };
  remove(): void;
}

function step(command: string, args: string[], cwd: string): void {
  const run = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
}

function kib(path: string): number {
  return Number(spawnSync('du', ['-sk', path], { encoding: 'utf8' }).stdout.split('\t')[0]);
}

/**
 * Installs the production tree exactly as the Dockerfile does: `npm run build` output, `npm ci --omit=dev`,
 * package.json, the pulumi CLI; everything root-owned and read-only for the unprivileged user, except the
 * work-dir volume.
 */
export async function installProductionTree(): Promise<ProductionTree> {
  const base = mkdtempSync(join(tmpdir(), 'fed-prod-'));
  chmodSync(base, 0o755);
  const root = join(base, 'app');
  const out = join(base, 'build');
  let started = Date.now();
  step(process.execPath, [join(REPO_ROOT, 'deploy/build.mjs'), '--out', out], REPO_ROOT);
  const buildSeconds = (Date.now() - started) / 1000;

  started = Date.now();
  mkdirSync(root);
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(REPO_ROOT, f), join(root, f));
  // --workspaces=false: the agent (agent-image/, an npm workspace) is its own image, not part of this one.
  step('npm', ['ci', '--omit=dev', '--workspaces=false', '--no-audit', '--no-fund', '--loglevel=error'], root);
  cpSync(out, join(root, 'dist'), { recursive: true });
  rmSync(out, { recursive: true, force: true });
  const installSeconds = (Date.now() - started) / 1000;

  const pulumiRoot = join(base, 'opt-pulumi');
  mkdirSync(join(pulumiRoot, 'bin'), { recursive: true });
  copyFileSync((await ensurePulumiCli()).pulumi, join(pulumiRoot, 'bin', 'pulumi'));
  chmodSync(join(pulumiRoot, 'bin', 'pulumi'), 0o755);

  const workDir = join(base, 'var-lib-federation');
  mkdirSync(workDir, { mode: 0o700 });
  chownSync(workDir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  return {
    root,
    pulumiRoot,
    workDir,
    report: { buildSeconds, installSeconds, installKiB: kib(root), distKiB: kib(join(root, 'dist')) },
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** The packages of the tree's node_modules (scoped ones as @scope/name). */
export function installedPackages(tree: ProductionTree): string[] {
  const nm = join(tree.root, 'node_modules');
  return readdirSync(nm).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(nm, name)).map((n) => `${name}/${n}`) : name.startsWith('.') ? [] : [name],
  );
}

/** A tree installed earlier by installProductionTree, found again from its directory (`npm start -- --production-tree`). */
export function productionTreeAt(base: string): ProductionTree {
  return {
    root: join(base, 'app'),
    pulumiRoot: join(base, 'opt-pulumi'),
    workDir: join(base, 'var-lib-federation'),
    report: {
      buildSeconds: 0,
      installSeconds: 0,
      installKiB: kib(join(base, 'app')),
      distKiB: kib(join(base, 'app', 'dist')),
    },
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}
