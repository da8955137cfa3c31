import { z } from 'zod';
import { defineTool } from '../tool.ts';
import type { N8nWebhooks } from './n8n-client.ts';

/** Fetches a document from the department's Drive repository (workflow google-drive-repo). */
export const googleDriveTool = (n8n: N8nWebhooks) =>
  defineTool({
    name: 'google_drive',
    description: "Fetch a document from the department's Google Drive repository by its Drive file id.",
    parameters: z.object({
      file_id: z.string().min(1).max(255).describe('Google Drive file id.'),
    }),
    run: (args, ctx) => n8n.call('google_drive', args, ctx.signal),
  });
