import { z } from 'zod';
import { defineTool } from '../tool.ts';
import type { N8nWebhooks } from './n8n-client.ts';

/** Recalls what is known about the current session (workflow agent-context reads session_context). */
export const agentContextTool = (n8n: N8nWebhooks) =>
  defineTool({
    name: 'agent_context',
    description: 'Recall the context stored for this conversation (documents, recent emails, earlier answers).',
    parameters: z.object({}),
    run: (_args, ctx) => n8n.call('agent_context', { session_id: ctx.sessionId }, ctx.signal),
  });
