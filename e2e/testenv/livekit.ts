import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { withBuildLock } from './binaries.ts';
import { buildGoBinary } from './go-build.ts';
import { ManagedProcess } from './managed-process.ts';
import { freePorts } from './ports.ts';
import { cacheDir } from './versions.ts';
import { waitFor } from './wait.ts';
import { Watchdog } from './watchdog.ts';

/**
 * The newest livekit-server the Go module proxy can build: v1.13.6 and later replace pion's webrtc, dtls and ice
 * with LiveKit forks the proxy does not serve (and need their fork-only APIs to compile).
 */
export const LIVEKIT_VERSION = 'v1.13.5';

function cachedBinary(): string {
  return join(cacheDir(), 'bin', `livekit-server-${LIVEKIT_VERSION}`, 'livekit-server');
}

/**
 * The build as a prepared artifact (the shape of e2e/testenv/prepare-all.ts's Artifact): cold, it took 1m33s and
 * 2m25s on this project's 2-core machine (5m46s once, on a busier day).
 */
export const LIVEKIT = {
  name: 'livekit-server',
  kind: 'go' as const,
  expectedSeconds: 120,
  cached: () => Boolean(process.env.LIVEKIT_SERVER_BIN) || existsSync(cachedBinary()),
  prepare: () => ensureLivekitServer(),
};

/** Finds livekit-server: LIVEKIT_SERVER_BIN, then the cache, else builds it from the Go proxy (about 6 minutes). */
export async function ensureLivekitServer(): Promise<string> {
  const fromEnv = process.env.LIVEKIT_SERVER_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`LIVEKIT_SERVER_BIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  const bin = cachedBinary();
  if (existsSync(bin)) return bin;
  await withBuildLock(async () => {
    if (existsSync(bin)) return;
    await mkdir(dirname(bin), { recursive: true });
    await buildGoBinary({
      label: `livekit-server ${LIVEKIT_VERSION}`,
      workDir: join(cacheDir(), 'build', `livekit-server-${LIVEKIT_VERSION}`),
      goMod: `module federation.local/livekit-server-build\n\ngo 1.26.0\n\nrequire github.com/livekit/livekit-server ${LIVEKIT_VERSION}\n`,
      toolsImport: 'github.com/livekit/livekit-server/cmd/server',
      pkg: 'github.com/livekit/livekit-server/cmd/server',
      ldflags: '-s -w',
      output: bin,
    });
  });
  return bin;
}

export interface RunningLivekit {
  /** ws://127.0.0.1:<port>: LIVEKIT_URL for agents and clients. */
  url: string;
  /** http://127.0.0.1:<port>: the server API (room service, agent dispatch). */
  httpUrl: string;
  apiKey: string;
  apiSecret: string;
  logFile: string;
  /** The server's pid (tests check what it listens on). */
  pid: number;
  stop(): Promise<void>;
}

export interface StartLivekitOptions {
  /** Where the config and log go; a temporary directory (removed on stop) when unset. */
  runDir?: string;
  watchdog?: Watchdog;
  /**
   * The ports and key of a kept platform (`npm start`): agents brought back from kept state find LiveKit where
   * their variables say, so nothing is redeployed. Free ones and a new key when unset.
   */
  kept?: { port: number; udpPort: number; apiKey: string; apiSecret: string };
}

/** Free ports and a new API key and secret for a livekit-server. */
export async function newLivekitIdentity(): Promise<NonNullable<StartLivekitOptions['kept']>> {
  const [port, udpPort] = (await freePorts(2)) as [number, number];
  const apiKey = `lk-${randomBytes(6).toString('hex')}`;
  // livekit-server logs "secret is too short" below 32 characters.
  const apiSecret = randomBytes(32).toString('base64url');
  return { port, udpPort, apiKey, apiSecret };
}

/**
 * Starts livekit-server on loopback only (signalling and the one UDP mux port on free ports, no STUN, no Redis: a
 * single node) with a freshly generated API key and secret. It dies with this process. ICE over TCP is off:
 * livekit-server opens its TCP mux on every interface whatever bind_addresses says, and media over loopback
 * needs only UDP.
 */
export async function startLivekit(opts: StartLivekitOptions = {}): Promise<RunningLivekit> {
  const bin = await ensureLivekitServer();
  const ownRunDir = opts.runDir === undefined;
  const runDir = opts.runDir ?? (await mkdtemp(join(tmpdir(), 'federation-livekit-')));
  const ownWatchdog = opts.watchdog === undefined;
  const watchdog = opts.watchdog ?? new Watchdog();
  if (ownRunDir) watchdog.removeOnExit(runDir);
  const { port, udpPort, apiKey, apiSecret } = opts.kept ?? (await newLivekitIdentity());
  const config = join(runDir, `livekit-${port}.yaml`);
  await writeFile(
    config,
    [
      `port: ${port}`,
      'bind_addresses: ["127.0.0.1"]',
      'rtc:',
      '  tcp_port: 0',
      `  udp_port: ${udpPort}`,
      '  use_external_ip: false',
      '  node_ip: 127.0.0.1',
      '  enable_loopback_candidate: true',
      '  interfaces:',
      '    includes: ["lo"]',
      'keys:',
      `  ${apiKey}: ${apiSecret}`,
      'logging:',
      '  level: info',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const server = new ManagedProcess(
    'livekit-server',
    bin,
    ['--config', config],
    join(runDir, `livekit-${port}.log`),
    watchdog,
    { PATH: process.env.PATH },
  );
  const httpUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await server.stop(5_000);
    if (ownRunDir) await rm(runDir, { recursive: true, force: true });
    if (ownWatchdog) watchdog.dismiss();
  };
  try {
    await waitFor(async () => (await fetch(httpUrl)).ok, {
      timeoutMs: 30_000,
      describe: () => `livekit-server did not answer at ${httpUrl}:\n${server.logTail()}`,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `ws://127.0.0.1:${port}`, httpUrl, apiKey, apiSecret, logFile: server.logFile, pid: server.pid, stop };
}
