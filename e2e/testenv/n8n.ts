import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { withBuildLock } from './binaries.ts';
import { ManagedProcess } from './managed-process.ts';
import { freePort } from './ports.ts';
import { cacheDir } from './versions.ts';
import { waitFor } from './wait.ts';
import { Watchdog } from './watchdog.ts';

/** 2.x needs Node 22+; this is the newest 1.x line. */
export const N8N_VERSION = '1.123.81';

/** Scopes of the public-API key the workflows component uses. */
export const N8N_API_SCOPES = [
  'workflow:create',
  'workflow:read',
  'workflow:update',
  'workflow:delete',
  'workflow:list',
  'workflow:activate',
  'workflow:deactivate',
  'tag:create',
  'tag:read',
  'tag:list',
  'credential:create',
  'credential:delete',
];

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
  /** Superuser URL of the Postgres n8n gets its own database in; DATABASE_URL when unset. */
  databaseUrl?: string;
  watchdog?: Watchdog;
  log?: (line: string) => void;
  /**
   * Keep n8n's state across runs (`npm start`): its database `n8n` is kept, its user folder, encryption key,
   * owner and API key live in `dir` (0700), and it listens on `port` again.
   */
  persist?: { dir: string; port: number };
}

export interface RunningN8n {
  url: string;
  apiKey: string;
  ownerEmail: string;
  logFile: string;
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

  const kept = opts.persist ? await keptIdentity(opts.persist.dir) : undefined;
  const database = await createDatabase(databaseUrl, opts.persist ? 'n8n' : undefined);
  const port = opts.persist?.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const userFolder = opts.persist ? join(opts.persist.dir, 'user') : join(runDir, `n8n-${port}`);
  await mkdir(userFolder, { recursive: true, mode: 0o700 });
  const started = Date.now();
  const server = new ManagedProcess(
    'n8n',
    process.execPath,
    [bin, 'start'],
    join(runDir, `n8n-${port}.log`),
    watchdog,
    n8nEnv({ port, userFolder, url, database, encryptionKey: kept?.encryptionKey }),
  );
  const stop = async () => {
    await server.stop(15_000);
    if (!opts.persist) await dropDatabase(databaseUrl, database.name);
    if (ownRunDir) await rm(runDir, { recursive: true, force: true });
    if (ownWatchdog) watchdog.dismiss();
  };
  try {
    // /healthz/readiness turns green after the migrations, before the REST routes are mounted.
    // Until then every path answers 200 "n8n is starting up", so wait for real JSON from a REST route.
    await waitFor(
      async () => Boolean(((await (await fetch(`${url}/rest/settings`)).json()) as { data?: unknown }).data),
      {
        timeoutMs: 300_000,
        intervalMs: 500,
        describe: () => `n8n did not become ready at ${url}:\n${server.logTail()}`,
      },
    );
    const apiKey = kept ? await keptApiKey(url, kept) : (await createOwnerAndApiKey(url)).apiKey;
    log(`[n8n] ${N8N_VERSION} ready at ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { url, apiKey, ownerEmail: OWNER.email, logFile: server.logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface N8nDatabase {
  name: string;
  url: URL;
}

function n8nEnv(o: {
  port: number;
  userFolder: string;
  url: string;
  database: N8nDatabase;
  encryptionKey?: string | undefined;
}): NodeJS.ProcessEnv {
  const db = o.database.url;
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
    DB_POSTGRESDB_HOST: db.hostname,
    DB_POSTGRESDB_PORT: db.port || '5432',
    DB_POSTGRESDB_DATABASE: o.database.name,
    DB_POSTGRESDB_USER: decodeURIComponent(db.username),
    DB_POSTGRESDB_PASSWORD: decodeURIComponent(db.password),
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

/** n8n's own database, as the platform creates it: only its owner (and superusers) may connect. */
export async function createDatabase(superuserUrl: string, keptName?: string): Promise<N8nDatabase> {
  const name = keptName ?? `n8n_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    // A new database lets PUBLIC connect (and create temp tables): tenant roles would reach n8n's database.
    await client.query(`REVOKE ALL ON DATABASE ${pg.escapeIdentifier(name)} FROM PUBLIC`);
  } finally {
    await client.end();
  }
  const url = new URL(superuserUrl);
  url.pathname = `/${name}`;
  return { name, url };
}

export async function dropDatabase(superuserUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl });
  try {
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } catch {
    // the platform Postgres may already be gone at shutdown; its data dir goes with it
  } finally {
    await client.end().catch(() => {});
  }
}

interface KeptIdentity {
  file: string;
  encryptionKey: string;
  password?: string;
  apiKey?: string;
}

/** n8n's encryption key, owner password and API key from a kept run (a new encryption key on the first). */
async function keptIdentity(dir: string): Promise<KeptIdentity> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'identity.json');
  const saved = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Omit<KeptIdentity, 'file'>) : undefined;
  const identity = { file, encryptionKey: saved?.encryptionKey ?? randomBytes(32).toString('base64url'), ...saved };
  await writeFile(file, JSON.stringify({ ...identity, file: undefined }), { mode: 0o600 });
  return identity;
}

/** The kept API key while n8n still accepts it; otherwise the owner is set up (first run) and a key made. */
async function keptApiKey(url: string, kept: KeptIdentity): Promise<string> {
  if (kept.apiKey) {
    const probe = await fetch(`${url}/api/v1/workflows?limit=1`, { headers: { 'X-N8N-API-KEY': kept.apiKey } });
    if (probe.ok) return kept.apiKey;
  }
  const { apiKey, password } = await createOwnerAndApiKey(url, kept.password);
  const { file, ...rest } = kept;
  await writeFile(file, JSON.stringify({ ...rest, apiKey, password }), { mode: 0o600 });
  return apiKey;
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
  const created = await fetch(`${url}/rest/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ label: 'federation-controller', scopes: N8N_API_SCOPES, expiresAt: null }),
  });
  if (!created.ok) throw new Error(`n8n API key creation failed: ${created.status} ${await created.text()}`);
  const body = (await created.json()) as { data?: { rawApiKey?: string } };
  const apiKey = body.data?.rawApiKey;
  if (!apiKey) throw new Error('n8n returned no API key');
  return { apiKey, password };
}
