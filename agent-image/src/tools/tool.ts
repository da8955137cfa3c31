import type { z } from 'zod';

/** What one tool call is about: which department and session, and when to give up. */
export interface ToolCallContext {
  department: string;
  sessionId: string;
  signal: AbortSignal;
}

/**
 * How a tool call ended. COMPLETED hands `result` to the LLM; FAILED hands it `say`, a sentence it can relay to
 * the caller (a refusal, a rate limit, an unreachable service), and records `error`.
 */
export type ToolOutcome =
  | { status: 'COMPLETED'; result: unknown }
  | { status: 'FAILED'; error: string; say: string; result?: unknown };

/** One tool module: its name, what the LLM is told about it, its zod parameter schema, and what it does. */
export interface AgentTool<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  parameters: S;
  run(args: z.infer<S>, ctx: ToolCallContext): Promise<ToolOutcome>;
}

/** Declares a tool with its argument types inferred from the schema. */
export function defineTool<S extends z.ZodObject>(tool: AgentTool<S>): AgentTool<S> {
  return tool;
}
