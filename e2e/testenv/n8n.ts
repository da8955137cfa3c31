import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { N8N_API_SCOPES, N8N_NODES_EXCLUDE, N8N_VERSION } from '../../reconcilers/workflows/n8n-settings.ts';
import { withBuildLock } from './binaries.ts';
import { ManagedProcess } from './managed-process.ts';
import { createN8nDatabase, dropN8nDatabase, type N8nDatabase } from './n8n-database.ts';
import { N8nSupervisor, type SuperviseOptions } from './n8n-supervisor.ts';
import { freePort } from './ports.ts';
import { cacheDir } from './versions.ts';
import { waitFor } from './wait.ts';
import { Watchdog } from './watchdog.ts';

/** Where a kept n8n (persist.dir) lists the modules it loaded, for the next start's read-ahead. */
export function n8nModuleList(persistDir: string): string {
  return join(persistDir, 'modules.txt');
}

/**
 * Reads the modules a kept n8n loaded last time ahead of it, in a child process with 16 reads in flight (about
 * 1 s for 31 MB here): n8n reads them one by one, and this machine's page cache does not keep them between
 * runs. Nothing happens without a list (a first start).
 */
export function prefetchN8nModules(persistDir: string): void {
  const list = n8nModuleList(persistDir);
  if (!existsSync(list)) return;
  const child = spawn(process.execPath, [fileURLToPath(new URL('./prefetch.mjs', import.meta.url)), list], {
    stdio: 'ignore',
    env: { ...process.env, UV_THREADPOOL_SIZE: '16' },
  });
  child.on('error', () => {});
  child.unref();
}

/**
 * Skips n8n's rewrite of its editor UI on every start while the kept rewrite is still current, and lists the
 * modules n8n loaded (see the file).
 */
const N8N_PRELOAD = fileURLToPath(new URL('./n8n-preload.cjs', import.meta.url));

/**
 * n8n modules none of this platform's workflows or its controller use: each costs start time (0.9 s together on
 * 2 cores). Kept: community-packages (the security audit's nodes report reads it), and the two that stay off
 * unlicensed.
 */
export const N8N_DISABLED_MODULES = ['insights', 'mcp', 'data-table', 'breaking-changes'];

// xlsx 1.x points at a tarball outside the registry; isolated-vm 6 needs Node 22.
const PACKAGE_JSON = {
  name: 'federation-n8n',
  private: true,
  dependencies: { n8n: N8N_VERSION },
  overrides: { xlsx: '0.18.5', 'isolated-vm': '5.0.4' },
};

export function n8nDir(): string {
  return join(cacheDir(), `n8n-${N8N_VERSION}`);
}

/**
 * Installs n8n from npm into the cache (not the project's dependencies), under the build lock so
 * concurrent runs share one install. Install scripts are skipped (npm 11 would refuse them anyway, and
 * several try to download prebuilt binaries); the one native module n8n loads here is isolated-vm, its
 * expression sandbox, which is compiled from source explicitly. sqlite3 stays unbuilt: n8n runs on Postgres.
 */
export async function ensureN8n(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  const dir = n8nDir();
  const bin = join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
  const marker = join(dir, '.installed');
  if (existsSync(marker)) return bin;
  await withBuildLock(async () => {
    if (existsSync(marker)) return;
    const started = Date.now();
    log(`[n8n] installing n8n ${N8N_VERSION} into ${dir} (about 3 minutes on a cold npm cache)`);
    await rm(join(dir, 'node_modules'), { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(PACKAGE_JSON, null, 2)}\n`);
    await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], dir, log);
    log('[n8n] compiling isolated-vm (about 2 minutes)');
    await run('npm', ['rebuild', 'isolated-vm', '--foreground-scripts', '--loglevel=error'], dir, log, gypEnv());
    await run(process.execPath, ['-e', ISOLATED_VM_PROBE], dir, log);
    await writeFile(marker, `${new Date().toISOString()}\n`);
    log(`[n8n] installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 'n8n');
  return bin;
}

const ISOLATED_VM_PROBE =
  "const ivm = require('isolated-vm'); const i = new ivm.Isolate(); if (i.compileScriptSync('6*7').runSync(i.createContextSync()) !== 42) process.exit(1)";

/**
 * node-gyp downloads Node's headers unless told where they are; only npm's registry is reachable here, so
 * point it at the headers the Node install ships (Debian's nodejs puts them in /usr/include/node).
 */
function gypEnv(): NodeJS.ProcessEnv {
  if (process.env.npm_config_nodedir) return process.env;
  const prefix = dirname(dirname(process.execPath));
  const nodedir = [prefix, '/usr'].find((d) => existsSync(join(d, 'include', 'node', 'node.h')));
  return nodedir ? { ...process.env, npm_config_nodedir: nodedir } : process.env;
}

function run(
  command: string,
  args: string[],
  dir: string,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (d: Buffer) => {
      output = (output + d.toString()).slice(-8000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const started = Date.now();
    const heartbeat = setInterval(
      () => log(`[n8n] ${command} ${args[0]} still running (${((Date.now() - started) / 1000).toFixed(0)} s)`),
      30_000,
    );
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(heartbeat);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} for n8n ${N8N_VERSION} failed (${code}):\n${output}`));
    });
  });
}

export interface StartN8nOptions {
  /** Where n8n keeps its user folder and log; a temporary directory when unset. */
  runDir?: string;
  /** Superuser URL of the Postgres n8n gets its own database and login role in; DATABASE_URL when unset. */
  databaseUrl?: string;
  watchdog?: Watchdog;
  log?: (line: string) => void;
  /** Further environment for n8n (tests point CREDENTIALS_OVERWRITE_DATA at a local OAuth server). */
  env?: Record<string, string>;
  /** Restart n8n when its readiness keeps failing (see N8nSupervisor); off when unset. */
  supervise?: SuperviseOptions;
  /** Called once the n8n process is spawned, before it serves (npm start loads its own modules only then). */
  onSpawned?: () => void;
  /**
   * Keep n8n's state across runs (`npm start`): its database and role are kept, its user folder, encryption key,
   * owner and API key live in `dir` (0700), and it listens on `port` again.
   */
  persist?: { dir: string; port: number };
}

export interface RunningN8n {
  url: string;
  apiKey: string;
  ownerEmail: string;
  logFile: string;
  /** n8n's own database and the role that owns it (no superuser). */
  database: { name: string; user: string };
  /** The current n8n process (it changes when the supervisor restarts n8n). */
  readonly pid: number;
  /** How often the supervisor restarted n8n (counted once the new process serves its API). */
  readonly restarts: number;
  stop(): Promise<void>;
}

const OWNER = { email: 'owner@federation.local', firstName: 'Federation', lastName: 'Platform' };

/** Starts n8n on a free loopback port with a fresh owner and public-API key; it dies with this process. */
export async function startN8n(opts: StartN8nOptions = {}): Promise<RunningN8n> {
  const log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
  if (!databaseUrl)
    throw new Error('startN8n needs a Postgres (databaseUrl or DATABASE_URL): n8n runs on Postgres here');
  const bin = await ensureN8n(log);
  const ownRunDir = opts.runDir === undefined;
  const runDir = opts.runDir ?? (await mkdtemp(join(tmpdir(), 'federation-n8n-')));
  const ownWatchdog = opts.watchdog === undefined;
  const watchdog = opts.watchdog ?? new Watchdog();
  if (ownRunDir) watchdog.removeOnExit(runDir);

  const saved = opts.persist ? await keptIdentity(opts.persist.dir) : undefined;
  const database = await createN8nDatabase(databaseUrl, saved?.database);
  // The identity carries its database from here on: every later save (a new API key) keeps it.
  const kept = saved && { ...saved, database };
  if (kept) await saveIdentity(kept);
  const port = opts.persist?.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const userFolder = opts.persist ? join(opts.persist.dir, 'user') : join(runDir, `n8n-${port}`);
  await mkdir(userFolder, { recursive: true, mode: 0o700 });
  const started = Date.now();
  // One environment for every start: a restarted n8n keeps its port, database and encryption key.
  const env = {
    ...n8nEnv({ port, userFolder, url, database, encryptionKey: kept?.encryptionKey }),
    ...(opts.persist ? { FEDERATION_N8N_MODULE_LIST: n8nModuleList(opts.persist.dir) } : {}),
    ...opts.env,
  };
  const logFile = join(runDir, `n8n-${port}.log`);
  const target = {
    start: () =>
      new ManagedProcess('n8n', process.execPath, ['--require', N8N_PRELOAD, bin, 'start'], logFile, watchdog, env),
    waitReady: (server: ManagedProcess) => waitUntilServing(url, server),
  };
  const server = target.start();
  opts.onSpawned?.();
  let supervisor: N8nSupervisor | undefined;
  const stop = async () => {
    await (supervisor ? supervisor.stop(15_000) : server.stop(15_000));
    if (!opts.persist) await dropN8nDatabase(databaseUrl, database);
    if (ownRunDir) await rm(runDir, { recursive: true, force: true });
    if (ownWatchdog) watchdog.dismiss();
  };
  try {
    await target.waitReady(server);
    const apiKey = kept ? await keptApiKey(url, kept) : (await createOwnerAndApiKey(url)).apiKey;
    log(`[n8n] ${N8N_VERSION} ready at ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (opts.supervise) {
      supervisor = new N8nSupervisor(server, url, target, opts.supervise, log);
      supervisor.start();
    }
    return {
      url,
      apiKey,
      ownerEmail: OWNER.email,
      logFile,
      database: { name: database.name, user: database.user },
      get pid() {
        return (supervisor?.process ?? server).pid;
      },
      get restarts() {
        return supervisor?.restarts ?? 0;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * /healthz/readiness turns green after the migrations, before the REST routes are mounted. Until then every
 * path answers 200 "n8n is starting up", so wait for real JSON from a REST route.
 */
async function waitUntilServing(url: string, server: ManagedProcess): Promise<void> {
  await waitFor(
    async () => Boolean(((await (await fetch(`${url}/rest/settings`)).json()) as { data?: unknown }).data),
    {
      timeoutMs: 300_000,
      intervalMs: 500,
      describe: () => `n8n did not become ready at ${url}:\n${server.logTail()}`,
    },
  );
}

function n8nEnv(o: {
  port: number;
  userFolder: string;
  url: string;
  database: N8nDatabase;
  encryptionKey?: string | undefined;
}): NodeJS.ProcessEnv {
  const db = o.database;
  return {
    PATH: process.env.PATH,
    HOME: o.userFolder,
    NODE_ENV: 'production',
    N8N_PORT: String(o.port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PROTOCOL: 'http',
    WEBHOOK_URL: `${o.url}/`,
    N8N_USER_FOLDER: o.userFolder,
    N8N_ENCRYPTION_KEY: o.encryptionKey ?? randomBytes(32).toString('base64url'),
    DB_TYPE: 'postgresdb',
    DB_POSTGRESDB_HOST: db.host,
    DB_POSTGRESDB_PORT: db.port,
    DB_POSTGRESDB_DATABASE: db.name,
    DB_POSTGRESDB_USER: db.user,
    DB_POSTGRESDB_PASSWORD: db.password,
    NODES_EXCLUDE: N8N_NODES_EXCLUDE,
    N8N_PYTHON_ENABLED: 'false',
    N8N_DISABLED_MODULES: N8N_DISABLED_MODULES.join(','),
    // The security audit, the workflows component's one way to list credentials, reads this many days of executions.
    N8N_SECURITY_AUDIT_DAYS_ABANDONED_WORKFLOW: '1',
    // No network here: nothing may phone home or wait on it.
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_AI_ENABLED: 'false',
    EXTERNAL_FRONTEND_HOOKS_URLS: '',
    N8N_SECURE_COOKIE: 'false',
    N8N_PUBLIC_API_SWAGGERUI_DISABLED: 'true',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    N8N_BLOCK_ENV_ACCESS_IN_NODE: 'true',
    N8N_GIT_NODE_DISABLE_BARE_REPOS: 'true',
    GENERIC_TIMEZONE: 'UTC',
    N8N_LOG_LEVEL: 'info',
  };
}

interface KeptIdentity {
  file: string;
  encryptionKey: string;
  database?: Pick<N8nDatabase, 'name' | 'user' | 'password'>;
  password?: string;
  apiKey?: string;
  scopes?: string[];
}

/** n8n's encryption key, database login, owner password and API key from a kept run (new ones on the first). */
async function keptIdentity(dir: string): Promise<KeptIdentity> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'identity.json');
  const saved = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Omit<KeptIdentity, 'file'>) : {};
  return { encryptionKey: randomBytes(32).toString('base64url'), ...saved, file };
}

async function saveIdentity(identity: KeptIdentity): Promise<void> {
  const { file, ...rest } = identity;
  await writeFile(file, JSON.stringify(rest), { mode: 0o600 });
}

/** The kept API key while n8n accepts it with today's scopes; otherwise the owner logs in (or is set up) for a new one. */
async function keptApiKey(url: string, kept: KeptIdentity): Promise<string> {
  const sameScopes = JSON.stringify(kept.scopes) === JSON.stringify(N8N_API_SCOPES);
  if (kept.apiKey && sameScopes) {
    const probe = await fetch(`${url}/api/v1/workflows?limit=1`, { headers: { 'X-N8N-API-KEY': kept.apiKey } });
    if (probe.ok) return kept.apiKey;
  }
  const { apiKey, password } = await createOwnerAndApiKey(url, kept.password);
  await saveIdentity({ ...kept, apiKey, password, scopes: [...N8N_API_SCOPES] });
  return apiKey;
}

const API_KEY_LABEL = 'federation-controller';

async function deleteApiKeys(url: string, cookie: string, label: string): Promise<void> {
  const listed = await fetch(`${url}/rest/api-keys`, { headers: { cookie } });
  if (!listed.ok) throw new Error(`n8n API key listing failed: ${listed.status} ${await listed.text()}`);
  const { data = [] } = (await listed.json()) as { data?: { id: string; label: string }[] };
  for (const key of data.filter((k) => k.label === label)) {
    const deleted = await fetch(`${url}/rest/api-keys/${encodeURIComponent(key.id)}`, {
      method: 'DELETE',
      headers: { cookie },
    });
    if (!deleted.ok) throw new Error(`n8n API key deletion failed: ${deleted.status} ${await deleted.text()}`);
  }
}

/**
 * The first-run owner setup (or, with the kept owner's password, a login), then a public-API key for that owner
 * (what a human does once in the UI).
 */
async function createOwnerAndApiKey(
  url: string,
  ownerPassword?: string,
): Promise<{ apiKey: string; password: string }> {
  const password = ownerPassword ?? `Fed-${randomBytes(18).toString('base64url')}9`;
  const setup = await fetch(ownerPassword ? `${url}/rest/login` : `${url}/rest/owner/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ownerPassword ? { emailOrLdapLoginId: OWNER.email, password } : { ...OWNER, password }),
  });
  if (!setup.ok) throw new Error(`n8n owner setup failed: ${setup.status} ${await setup.text()}`);
  const cookie = (setup.headers.getSetCookie?.() ?? [])
    .map((c) => c.split(';')[0])
    .filter((c) => c?.startsWith('n8n-auth='))
    .join('; ');
  if (!cookie) throw new Error('n8n owner setup returned no session cookie');
  // A kept owner's key that n8n refused (or whose scopes changed) is replaced: n8n allows one key per label.
  if (ownerPassword) await deleteApiKeys(url, cookie, API_KEY_LABEL);
  const created = await fetch(`${url}/rest/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ label: API_KEY_LABEL, scopes: N8N_API_SCOPES, expiresAt: null }),
  });
  if (!created.ok) throw new Error(`n8n API key creation failed: ${created.status} ${await created.text()}`);
  const body = (await created.json()) as { data?: { rawApiKey?: string } };
  const apiKey = body.data?.rawApiKey;
  if (!apiKey) throw new Error('n8n returned no API key');
  return { apiKey, password };
}
