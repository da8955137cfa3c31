// The department voice agent: `node dist/agent-image/src/main.js` in the image. Validates its settings first (a
// setting it cannot serve stops it here, at once, with a message naming it), then serves /health and /ready on
// PORT, registers with LiveKit, and on SIGTERM drains active sessions within AGENT_DRAIN_TIMEOUT_MS.
import { ConfigError, parseAgentEnv } from './config/env.ts';
import { resolveSettings } from './config/settings.ts';
import { buildTools } from './tools/registry.ts';
import { toolSettings } from './worker/tool-settings.ts';

function configured() {
  const env = parseAgentEnv(process.env);
  const tools = buildTools(toolSettings(env));
  return {
    env,
    settings: resolveSettings(
      env,
      tools.map((t) => t.name),
    ),
  };
}

let setup: ReturnType<typeof configured>;
try {
  setup = configured();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`agent cannot start: ${error.message}\n`);
  process.exit(78); // EX_CONFIG
}
// LiveKit's SDK and the plugins take seconds to load: only once the settings are known to be servable.
const { run } = await import('./run.ts');
await run(setup.env, setup.settings);
