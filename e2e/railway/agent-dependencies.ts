import { type ProviderStandIns, startProviderStandIns } from '../providers/server.ts';
import { type RunningLivekit, startLivekit } from '../testenv/livekit.ts';
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
 * What the department agents need on the local platform: the real livekit-server (loopback, dev keys generated
 * per run) and the provider stand-ins. The agent build starts at once, so the first deployment finds it ready.
 */
export async function startAgentDependencies(opts: {
  runDir: string;
  watchdog: Watchdog;
  log: (line: string) => void;
}): Promise<AgentDependencies> {
  const build = ensureAgentBuild(opts.log);
  const [livekit, providers] = await Promise.all([
    startLivekit({ runDir: opts.runDir, watchdog: opts.watchdog }),
    startProviderStandIns(),
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
