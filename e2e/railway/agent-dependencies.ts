import { type ProviderStandIns, startProviderStandIns } from '../providers/server.ts';
import { newLivekitIdentity, type RunningLivekit, startLivekit } from '../testenv/livekit.ts';
import type { PlatformState } from '../testenv/state.ts';
import type { Watchdog } from '../testenv/watchdog.ts';
import { ensureAgentBuild } from './agent-build.ts';

export interface AgentDependencies {
  livekit: RunningLivekit;
  providers: ProviderStandIns;
  /** What the runtime platform Secret gains: LiveKit's URL and keys, provider keys and the stand-ins' endpoints. */
  platformSecretData: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * What the department agents need on the local platform: the real livekit-server (loopback, dev keys) and the
 * provider stand-ins. The agent build starts at once, so the first deployment finds it ready. With a kept state
 * (`npm start`), LiveKit's ports and key and the stand-ins' port are the last run's (while the ports are free):
 * the runtime platform Secret stays the same, so the agents Railway brings back keep working and none is
 * redeployed. Without one, everything is new per run.
 */
export async function startAgentDependencies(opts: {
  runDir: string;
  watchdog: Watchdog;
  log: (line: string) => void;
  state?: PlatformState;
}): Promise<AgentDependencies> {
  const build = ensureAgentBuild(opts.log);
  const kept = opts.state && (await keptIdentities(opts.state));
  const [livekit, providers] = await Promise.all([
    startLivekit({ runDir: opts.runDir, watchdog: opts.watchdog, ...(kept ? { kept: kept.livekit } : {}) }),
    startProviderStandIns(kept?.providersPort ?? 0),
  ]);
  await build;
  return {
    livekit,
    providers,
    platformSecretData: {
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      // The stand-ins accept any key; the agent refuses to start without the one its provider needs.
      CEREBRAS_API_KEY: 'local-cerebras-key',
      OPENAI_API_KEY: 'local-openai-key',
      GOOGLE_API_KEY: 'local-google-key',
      DEEPGRAM_API_KEY: 'local-deepgram-key',
      CARTESIA_API_KEY: 'local-cartesia-key',
      ...providers.env,
    },
    async stop() {
      await providers.stop();
      await livekit.stop();
    },
  };
}

/** LiveKit's key (kept in secrets/, 0600) and the ports of LiveKit and the stand-ins (kept with the others). */
async function keptIdentities(state: PlatformState) {
  const file = 'secrets/livekit.json';
  const key = state.read<{ apiKey: string; apiSecret: string }>(file) ?? (await newLivekitIdentity());
  state.write(file, { apiKey: key.apiKey, apiSecret: key.apiSecret });
  const ports = await state.ports(['livekit', 'livekit-rtc-udp', 'providers'] as const);
  return {
    livekit: {
      port: ports.livekit,
      udpPort: ports['livekit-rtc-udp'],
      apiKey: key.apiKey,
      apiSecret: key.apiSecret,
    },
    providersPort: ports.providers,
  };
}
