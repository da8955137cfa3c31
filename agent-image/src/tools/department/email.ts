import { z } from 'zod';
import { defineTool } from '../tool.ts';
import type { N8nWebhooks } from './n8n-client.ts';

/** Sends an email from the department's Gmail account (workflow email-sender). */
export const emailTool = (n8n: N8nWebhooks) =>
  defineTool({
    name: 'email',
    description: "Send an email from the department's mailbox.",
    parameters: z.object({
      to: z.email().describe('Recipient email address.'),
      subject: z.string().min(1).max(200).describe('Subject line.'),
      message: z.string().min(1).max(10_000).describe('Plain-text body.'),
    }),
    run: (args, ctx) => n8n.call('email', args, ctx.signal),
  });
