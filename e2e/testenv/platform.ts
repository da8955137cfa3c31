import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ControlPlane, startControlPlane } from './control-plane.ts';
import { kubectlOk } from './kubectl.ts';
import { ManagedProcess } from './managed-process.ts';
import { type Postgres, startPostgres } from './postgres.ts';
import { REPO_ROOT } from './repo-root.ts';
import { PlatformState } from './state.ts';
import { Watchdog } from './watchdog.ts';

export { REPO_ROOT };
export const CRD_FILES = ['departments.federation.synrg.io.yaml', 'crossdepartmentgrants.federation.synrg.io.yaml'].map(
  (f) => join(REPO_ROOT, 'crds', f),
);
export const EXAMPLES_DIR = join(REPO_ROOT, 'crds', 'examples');

export interface PlatformOptions {
  installCrds?: boolean;
  applyExamples?: boolean;
  /** Start Postgres too (default true). */
  postgres?: boolean;
  /** Keep etcd's and Postgres' data, certificates, credentials and ports here across runs (`.federation/data`). */
  dataDir?: string;
  log?: (line: string) => void;
  /**
   * Called as soon as Postgres is up, before the API server may be (npm start boots n8n, which needs only its
   * database, while the control plane comes up and the CRDs are applied).
   */
  onPostgres?: (ready: { databaseUrl: string; runDir: string; watchdog: Watchdog; state?: PlatformState }) => void;
}

export interface Platform {
  runDir: string;
  /** 0700 directory in the run dir for credentials, kubeconfigs and keys (files 0600). */
  secretsDir: string;
  /** The kept state when the platform was started with `dataDir`. */
  state?: PlatformState;
  kubeconfig: string;
  databaseUrl: string;
  controlPlane: ControlPlane;
  postgres: Postgres;
  /** Starts a process that lives as long as the platform (stopped first on shutdown, killed by the watchdog). */
  startProcess(
    name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    user?: { uid: number; gid: number },
  ): ManagedProcess;
  watchdog: Watchdog;
  /** Runs `stop` on shutdown, before the control plane and Postgres go (reverse order of registration). */
  onStop(stop: () => Promise<void>): void;
  stop(): Promise<void>;
}

/** Brings up a real API server, etcd and Postgres; everything it starts dies with this process. */
export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const log = opts.log ?? (() => {});
  const runDir = await mkdtemp(join(tmpdir(), 'federation-'));
  // Nobody else may list it; the Postgres server, running as its own user, must traverse into its data dir.
  await chmod(runDir, 0o711);
  const secretsDir = join(runDir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  const watchdog = new Watchdog(opts.dataDir);
  watchdog.removeOnExit(runDir);
  const state = opts.dataDir ? await PlatformState.open(opts.dataDir) : undefined;

  const extra: ManagedProcess[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  const started = Date.now();
  const postgres = opts.postgres === false ? noPostgres() : startPostgres(runDir, watchdog, state);
  const onPostgres = opts.onPostgres;
  if (onPostgres) {
    postgres.then(
      (db) => onPostgres({ databaseUrl: db.url, runDir, watchdog, ...(state ? { state } : {}) }),
      () => {}, // reported below
    );
  }
  const [cp, db] = await Promise.allSettled([startControlPlane(runDir, watchdog, state), postgres]);
  // Every stop is attempted, whatever an earlier one threw; what is still running after them is stopped by its
  // identity (SIGKILL after a grace period), and only then is a failure reported.
  const stopAll = async () => {
    watchdog.refuseNew();
    const failures: unknown[] = [];
    const attempt = (stop: () => Promise<void> | undefined) =>
      Promise.resolve()
        .then(stop)
        .catch((error: unknown) => {
          failures.push(error);
        });
    await Promise.all(extra.map((p) => attempt(() => p.stop())));
    for (const stop of stoppers.reverse()) await attempt(stop);
    await Promise.all([
      attempt(() => (cp.status === 'fulfilled' ? cp.value.stop() : undefined)),
      attempt(() => (db.status === 'fulfilled' ? db.value.stop() : undefined)),
    ]);
    await attempt(() => watchdog.stopRemaining());
    await rm(runDir, { recursive: true, force: true });
    await state?.close();
    watchdog.dismiss();
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'the platform did not stop cleanly');
  };
  if (cp.status === 'rejected' || db.status === 'rejected') {
    await stopAll();
    throw cp.status === 'rejected' ? cp.reason : (db as PromiseRejectedResult).reason;
  }
  log(`api server ${cp.value.server} and postgres ready in ${Date.now() - started} ms`);
  const platform: Platform = {
    runDir,
    secretsDir,
    ...(state ? { state } : {}),
    kubeconfig: cp.value.kubeconfig,
    databaseUrl: db.value.url,
    controlPlane: cp.value,
    postgres: db.value,
    startProcess: (name, command, args, env, user) => {
      const p = new ManagedProcess(name, command, args, join(runDir, `${name}.log`), watchdog, env, user);
      extra.push(p);
      return p;
    },
    watchdog,
    onStop: (stop) => stoppers.push(stop),
    stop: stopAll,
  };
  try {
    if (opts.installCrds !== false) await installCrds(platform.kubeconfig);
    if (opts.applyExamples) await kubectlOk(platform.kubeconfig, ['apply', '--server-side', '-f', EXAMPLES_DIR]);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return platform;
}

function noPostgres(): Promise<Postgres> {
  return Promise.resolve({ url: '', embedded: false, stop: async () => {} });
}

export async function installCrds(kubeconfig: string): Promise<void> {
  const args = CRD_FILES.flatMap((f) => ['-f', f]);
  await kubectlOk(kubeconfig, ['apply', '--server-side', '--field-manager=federation-platform', ...args]);
  await kubectlOk(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', ...args]);
}
