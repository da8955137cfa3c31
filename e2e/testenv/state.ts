import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { stopLeftovers } from './leftovers.ts';
import { freePorts } from './ports.ts';

/**
 * The local platform's kept state (`.federation/data/`, like a kind or minikube cluster's): etcd's and Postgres'
 * data, certificates, generated credentials, the ports everything listened on. Nobody else can list it (0711:
 * the Postgres server, running as its own user, must pass through to its data directory); credentials and
 * certificates live in `secrets/` (0700), each file 0600.
 */
export class PlatformState {
  private constructor(
    readonly dir: string,
    private readonly release: () => Promise<void>,
  ) {}

  /**
   * Opens (creating) the state directory, holding a lock so that two platforms never share it. A lock left by a
   * SIGKILLed run is stale once its owner stops updating it (proper-lockfile), and is taken over.
   */
  static async open(dir: string): Promise<PlatformState> {
    mkdirSync(join(dir, 'secrets'), { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o711);
    chmodSync(join(dir, 'secrets'), 0o700);
    let release: () => Promise<void>;
    try {
      // A SIGKILLed run's lock is stale 15 s after its last update: a start right after such a kill waits it out
      // (retrying each second for 20 s) instead of calling the dead run "another platform".
      release = await lockfile.lock(dir, {
        stale: 15_000,
        update: 5_000,
        lockfilePath: join(dir, '.lock'),
        retries: { retries: 20, minTimeout: 1_000, maxTimeout: 1_000, factor: 1 },
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'ELOCKED') {
        throw new Error(
          `another local platform is running on ${dir} (stop it, or start this one with --fresh elsewhere)`,
        );
      }
      throw err;
    }
    chmodSync(join(dir, '.lock'), 0o700);
    await stopLeftovers(dir);
    return new PlatformState(dir, release);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  read<T>(name: string): T | undefined {
    const file = this.path(name);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
  }

  write(name: string, value: unknown): void {
    writeFileSync(this.path(name), `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  }

  /**
   * The ports this platform listened on last time when they are still free (everything that recorded an address,
   * department Secrets and n8n credentials included, stays valid), otherwise new ones.
   */
  async ports<K extends string>(names: readonly K[]): Promise<Record<K, number>> {
    const kept = this.read<Record<string, number>>('ports.json') ?? {};
    const fresh = await freePorts(names.length);
    const chosen = {} as Record<K, number>;
    for (const [i, name] of names.entries()) {
      const previous = kept[name];
      chosen[name] = previous !== undefined && (await isFree(previous)) ? previous : (fresh[i] as number);
    }
    this.write('ports.json', { ...kept, ...chosen });
    return chosen;
  }

  async close(): Promise<void> {
    await this.release().catch(() => undefined);
  }
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
