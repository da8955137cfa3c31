import { z } from 'zod';
import { defineTool } from '../tool.ts';
import type { N8nWebhooks } from './n8n-client.ts';

/**
 * The department's Drive repository (workflow google-drive-repo): one document's current text by its file id,
 * or, without one, the repository folder's text documents; either way they are stored for searching.
 */
export const googleDriveTool = (n8n: N8nWebhooks) =>
  defineTool({
    name: 'google_drive',
    description:
      "Read a document from the department's Google Drive repository by its Drive file id, or without an id list and index the repository folder's documents.",
    parameters: z.object({
      file_id: z.string().min(1).max(255).optional().describe('Google Drive file id; omit to list the folder.'),
    }),
    run: (args, ctx) => n8n.call('google_drive', args, ctx.signal),
  });
