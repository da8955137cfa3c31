import { z } from 'zod';
import { defineTool } from '../tool.ts';
import type { N8nWebhooks } from './n8n-client.ts';

/** Reads rows of one of the department's own tables (workflow database-query). */
export const databaseTool = (n8n: N8nWebhooks) =>
  defineTool({
    name: 'database',
    description: "Read rows from one of the department's own database tables.",
    parameters: z.object({
      table: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/)
        .describe('Table name in the department schema, e.g. contacts.'),
      limit: z.number().int().min(1).max(1000).optional().describe('Maximum rows (default 100).'),
    }),
    run: (args, ctx) => n8n.call('database', args, ctx.signal),
  });
