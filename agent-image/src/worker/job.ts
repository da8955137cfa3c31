// The agent's entrypoint, loaded by each job process LiveKit's worker forks: one session per dispatched room.
// It re-reads the environment the main process already validated (a job process inherits it).
import { defineAgent, type JobContext, voice } from '@livekit/agents';
import { parseAgentEnv } from '../config/env.ts';
import { resolveSettings } from '../config/settings.ts';
import { createPool } from '../db/pool.ts';
import { SessionContext } from '../db/session-context.ts';
import { ToolCallLog } from '../db/tool-calls.ts';
import { createModels } from '../providers/models.ts';
import { recordedTool } from '../tools/record.ts';
import { buildTools } from '../tools/registry.ts';
import { instructions } from './instructions.ts';
import { toolSettings } from './tool-settings.ts';

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
      customSettings: settings.customSettings,
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
