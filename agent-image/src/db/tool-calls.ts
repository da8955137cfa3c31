import type pg from 'pg';
import { qualified } from './pool.ts';

export interface ToolCallStart {
  toolCallId: string;
  sessionId: string;
  functionName: string;
  parameters: unknown;
}

export interface ToolCallEnd {
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED';
  result?: unknown;
  errorMessage?: string;
  /** What the agent said about the outcome (a refusal the LLM relays, for instance). */
  voiceResponse?: string;
  executionTimeMs: number;
}

/** The seed's `<dept>_tenant.tool_calls`, written as the department's role (RLS: its own rows only). */
export class ToolCallLog {
  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly schema: string,
  ) {}

  async start(call: ToolCallStart): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${qualified(this.schema, 'tool_calls')} (tool_call_id, session_id, function_name, parameters, status)
       VALUES ($1, $2, $3, $4::jsonb, 'EXECUTING')`,
      [call.toolCallId, call.sessionId, call.functionName, JSON.stringify(call.parameters ?? {})],
    );
  }

  async finish(toolCallId: string, end: ToolCallEnd): Promise<void> {
    await this.pool.query(
      `UPDATE ${qualified(this.schema, 'tool_calls')}
          SET status = $2, result = $3::jsonb, error_message = $4, voice_response = $5,
              execution_time_ms = $6, completed_at = now()
        WHERE tool_call_id = $1`,
      [
        toolCallId,
        end.status,
        end.result === undefined ? null : JSON.stringify(end.result),
        end.errorMessage ?? null,
        end.voiceResponse ?? null,
        end.executionTimeMs,
      ],
    );
  }
}
