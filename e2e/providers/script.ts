// The stand-in LLMs' behaviour: a conversation is scripted by what the user says, so a test decides which tool
// the "model" calls by its utterance, and what the tool answered comes back as the model's spoken reply.

/** One tool call the scripted model asks for. */
export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** What the scripted model answers: tool calls, or text. */
export type ScriptedReply = { kind: 'tool_calls'; calls: ScriptedToolCall[] } | { kind: 'text'; text: string };

/** A conversation reduced to what the script looks at, whatever the provider's wire shape. */
export interface ScriptInput {
  /** The last thing the user said. */
  lastUserText: string;
  /** Tool results after the last user message, oldest first ({ name, output } as the provider relayed them). */
  toolResults: { name: string; output: string }[];
}

const DIRECTIVE = /^\s*call\s+([A-Za-z_][\w]*)\s*(\{[\s\S]*\})?\s*$/;

/**
 * `call <tool> {json}` asks for that tool with those arguments; after tool results the reply relays them
 * ("<tool> answered: <output>"); anything else is echoed ("You said: ...").
 */
export function scriptedReply(input: ScriptInput): ScriptedReply {
  if (input.toolResults.length > 0) {
    return {
      kind: 'text',
      text: input.toolResults.map((r) => `${r.name} answered: ${r.output}`).join('\n'),
    };
  }
  const directive = DIRECTIVE.exec(input.lastUserText);
  if (directive) {
    let args: Record<string, unknown> = {};
    try {
      args = directive[2] ? (JSON.parse(directive[2]) as Record<string, unknown>) : {};
    } catch {
      return { kind: 'text', text: `The arguments for ${directive[1]} are not JSON.` };
    }
    return { kind: 'tool_calls', calls: [{ name: directive[1] as string, arguments: args }] };
  }
  return { kind: 'text', text: `You said: ${input.lastUserText}` };
}
