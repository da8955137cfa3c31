import { z } from 'zod';
import { departmentName } from '../../../../crds/common.ts';
import { queryText, type SearchType, searchLimit } from '../../../../crds/cross-department-query.ts';
import { type AgentTool, defineTool } from '../tool.ts';
import type { GatewayClient } from './gateway-client.ts';

/**
 * What a cross-department tool takes: the gateway's own rules for the department name, the search text and the
 * limit, so the LLM is refused here for exactly what the gateway would refuse.
 */
export const crossDepartmentParameters = z.object({
  department: departmentName.describe('The other department, e.g. sales.'),
  query: queryText,
  limit: searchLimit.optional(),
});

/** What the LLM is told about each gateway search, in the order the tools are offered. */
const DESCRIPTIONS: Record<SearchType, string> = {
  search_documents:
    "Search another department's documents (contracts, policies, files) it has shared with this department.",
  search_emails: "Search another department's emails it has shared with this department.",
  get_contact: "Look up a contact (name, email, phone) in another department's directory.",
};

/** One tool per gateway search type; each is allowed only under a CrossDepartmentGrant. */
export function crossDepartmentTools(gateway: GatewayClient): AgentTool[] {
  return (Object.entries(DESCRIPTIONS) as [SearchType, string][]).map(([queryType, description]) =>
    defineTool({
      name: queryType,
      description,
      parameters: crossDepartmentParameters,
      run: (args, ctx) =>
        gateway.query(
          {
            target: args.department,
            queryType,
            query: args.query,
            limit: args.limit,
            sessionId: ctx.sessionId,
          },
          ctx.signal,
        ),
    }),
  );
}
