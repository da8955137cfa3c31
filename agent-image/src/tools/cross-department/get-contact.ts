import { z } from 'zod';
import { defineTool } from '../tool.ts';
import type { GatewayClient } from './gateway-client.ts';

/** A cross-department query through the gateway; allowed only under a CrossDepartmentGrant. */
export const getContactTool = (gateway: GatewayClient) =>
  defineTool({
    name: 'get_contact',
    description: "Look up a contact (name, email, phone) in another department's directory.",
    parameters: z.object({
      department: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
        .describe('The other department, e.g. sales.'),
      query: z.string().min(1).max(1000).describe('What to look for.'),
      limit: z.number().int().min(1).max(50).optional().describe('Maximum results (default 10).'),
    }),
    run: (args, ctx) =>
      gateway.query(
        {
          target: args.department,
          queryType: 'get_contact',
          query: args.query,
          limit: args.limit,
          sessionId: ctx.sessionId,
        },
        ctx.signal,
      ),
  });
