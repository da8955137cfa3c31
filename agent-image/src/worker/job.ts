// The agent's entrypoint, loaded by each job process LiveKit's worker forks: one session per dispatched room.
// It re-reads the environment the main process already validated (a job process inherits it).
import { defineAgent, type JobContext, voice } from '@livekit/agents';
import type { AgentSettings } from '../../../crds/agent.ts';
import { type AgentEnv, parseAgentEnv } from '../config/env.ts';
import { resolveSettings } from '../config/settings.ts';
import { createPool } from '../db/pool.ts';
import { SessionContext } from '../db/session-context.ts';
import { ToolCallLog } from '../db/tool-calls.ts';
import { createModels } from '../providers/models.ts';
import { recordedTool } from '../tools/record.ts';
import { buildTools } from '../tools/registry.ts';
import { toolSettings } from './tool-settings.ts';

function instructions(env: AgentEnv, settings: AgentSettings): string {
  const name = env.DEPARTMENT_NAME ?? env.DEPARTMENT_ID;
  return [
    `You are the voice assistant of the ${name} department. Answer briefly; you are heard, not read.`,
    ...(env.GOOGLE_WORKSPACE_DOMAIN ? [`The department's Google Workspace is ${env.GOOGLE_WORKSPACE_DOMAIN}.`] : []),
    settings.tools.length
      ? `Use your tools (${settings.tools.join(', ')}) to act or look things up; when a tool says it cannot do something, tell the caller why.`
      : 'You have no tools; answer from the conversation.',
  ].join('\n');
}

export default defineAgent({
  entry: async (ctx: JobContext) => {
    const env = parseAgentEnv(process.env);
    const tools = buildTools(toolSettings(env));
    const settings = resolveSettings(
      env,
      tools.map((t) => t.name),
    );
    const pool = createPool(env, 2);
    const sessionId = ctx.job.id;
    const context = new SessionContext(pool, env.DB_SCHEMA);
    const log = new ToolCallLog(pool, env.DB_SCHEMA);
    ctx.addShutdownCallback(async () => {
      await context.put(sessionId, 'session', 'ended', { room: ctx.job.room?.name ?? null }).catch(() => {});
      await pool.end();
    });
    await ctx.connect();
    await context.put(sessionId, 'session', 'started', {
      room: ctx.job.room?.name ?? null,
      agentName: settings.agentName,
      llm: settings.llm,
      stt: settings.stt,
      tts: settings.tts,
      tools: settings.tools,
    });
    const models = createModels(env, settings);
    const agent = new voice.Agent({
      instructions: instructions(env, settings),
      tools: Object.fromEntries(
        tools.map((t) => [t.name, recordedTool(t, { department: env.DEPARTMENT_ID, sessionId, log })]),
      ),
    });
    // Turns end where the STT says speech ended (Deepgram's endpointing): no local VAD or turn model to load.
    const session = new voice.AgentSession({
      llm: models.llm,
      stt: models.stt,
      tts: models.tts,
      vad: null,
      turnHandling: { turnDetection: 'stt' },
    });
    await session.start({ agent, room: ctx.room });
  },
});
