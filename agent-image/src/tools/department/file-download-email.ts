import { z } from 'zod';
import { defineTool } from '../tool.ts';
import type { N8nWebhooks } from './n8n-client.ts';

/** Emails a Drive file as an attachment (workflow file-download-email). */
export const fileDownloadEmailTool = (n8n: N8nWebhooks) =>
  defineTool({
    name: 'file_download_email',
    description: 'Email a file from Google Drive to someone as an attachment.',
    parameters: z.object({
      file_id: z.string().min(1).max(255).describe('Google Drive file id.'),
      to: z.email().describe('Recipient email address.'),
      subject: z.string().max(200).optional().describe('Subject line.'),
      message: z.string().max(10_000).optional().describe('Plain-text body.'),
    }),
    run: (args, ctx) => n8n.call('file_download_email', args, ctx.signal),
  });
