import { z } from 'zod';
import { queryText, searchLimit } from '../../../../crds/cross-department-query.ts';
import type { GatewayClient } from '../cross-department/gateway-client.ts';
import type { ToolOutcome } from '../tool.ts';
import { defineTool } from '../tool.ts';
import type { N8nWebhooks } from './n8n-client.ts';

/** What the answer says when there is no gateway to rank by embeddings. */
export const WORKFLOW_FALLBACK_NOTE =
  "Fell back to text search: this agent has no gateway, so the department's workflow matched the text by substring.";

/**
 * Searches the department's knowledge store. Through the gateway (when configured) it is ranked by cosine
 * similarity of embeddings where the department has them; otherwise, and through the n8n workflow, by text, and
 * the answer's `search` and `note` say which.
 */
export const vectorStoreTool = (n8n: N8nWebhooks, gateway?: GatewayClient) =>
  defineTool({
    name: 'vector_store',
    description:
      "Search the department's knowledge store for passages about a topic. The answer's note says whether results were ranked by meaning (embeddings) or by text.",
    parameters: z.object({
      query: queryText,
      limit: searchLimit.optional(),
    }),
    run: async (args, ctx): Promise<ToolOutcome> => {
      if (gateway) return gateway.searchOwnDocuments(args.query, args.limit, ctx.signal);
      const outcome = await n8n.call('vector_store', args, ctx.signal);
      if (outcome.status !== 'COMPLETED') return outcome;
      return { status: 'COMPLETED', result: { search: 'text', note: WORKFLOW_FALLBACK_NOTE, results: outcome.result } };
    },
  });
