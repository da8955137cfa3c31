import { randomUUID } from 'node:crypto';
import { llm } from '@livekit/agents';
import type { ToolCallLog } from '../db/tool-calls.ts';
import type { AgentTool, ToolOutcome } from './tool.ts';

export interface RecordingDeps {
  department: string;
  sessionId: string;
  log: ToolCallLog;
}

/**
 * A tool as the LLM sees it (name, description, the zod schema as parameters), executed with its call recorded
 * in tool_calls: EXECUTING before it runs (a call that cannot be recorded does not run), then COMPLETED or
 * FAILED with the result, the refusal the LLM relays, and the time taken.
 */
export function recordedTool(tool: AgentTool, deps: RecordingDeps) {
  return llm.tool({
    description: tool.description,
    parameters: tool.parameters,
    execute: async (args, { toolCallId, abortSignal }) => {
      // The LLM's call id is unique per conversation only: prefix it so the column's UNIQUE holds across sessions.
      const id = `${deps.sessionId}:${toolCallId || randomUUID()}`.slice(-100);
      await deps.log.start({ toolCallId: id, sessionId: deps.sessionId, functionName: tool.name, parameters: args });
      // execution_time_ms: the tool's own work (the n8n or gateway request), not the recording around it.
      const started = performance.now();
      let outcome: ToolOutcome;
      try {
        outcome = await tool.run(args as never, {
          department: deps.department,
          sessionId: deps.sessionId,
          signal: abortSignal,
        });
      } catch (error) {
        outcome = {
          status: 'FAILED',
          error: (error as Error).message,
          say: `The ${tool.name} tool failed unexpectedly.`,
        };
      }
      const executionTimeMs = Math.round(performance.now() - started);
      if (outcome.status === 'COMPLETED') {
        await deps.log.finish(id, { status: 'COMPLETED', result: outcome.result, executionTimeMs });
        return outcome.result;
      }
      await deps.log.finish(id, {
        status: abortSignal.aborted ? 'CANCELLED' : 'FAILED',
        result: outcome.result,
        errorMessage: outcome.error.slice(0, 2000),
        voiceResponse: outcome.say,
        executionTimeMs,
      });
      return outcome.say;
    },
  });
}
