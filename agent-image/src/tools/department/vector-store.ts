import { z } from 'zod';
import { defineTool } from '../tool.ts';
import type { N8nWebhooks } from './n8n-client.ts';

/** Searches the department's knowledge store (workflow vector-store). */
export const vectorStoreTool = (n8n: N8nWebhooks) =>
  defineTool({
    name: 'vector_store',
    description: "Search the department's knowledge store for passages about a topic.",
    parameters: z.object({
      query: z.string().min(1).max(1000).describe('What to look for.'),
      limit: z.number().int().min(1).max(100).optional().describe('Maximum passages (default 10).'),
    }),
    run: (args, ctx) => n8n.call('vector_store', args, ctx.signal),
  });
