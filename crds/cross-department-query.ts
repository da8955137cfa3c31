import { z } from 'zod';
import { departmentName } from './common.ts';

// The gateway's query contract (POST /api/v1/cross-dept/query and a department's own document search). The
// gateway parses requests with these schemas and the agent builds its tools' parameters and its requests from
// them, so the two cannot disagree on a query type or a limit.

/** Query types that return rows matching a text. */
export const SEARCH_TYPES = ['search_documents', 'get_contact', 'search_emails'] as const;
/** What the gateway may run; `aggregate` (counts by period, no row content) also needs the aggregate permission. */
export const QUERY_TYPES = [...SEARCH_TYPES, 'aggregate'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];
export type QueryType = (typeof QUERY_TYPES)[number];

/** The longest search text, in bytes of UTF-8. */
export const QUERY_TEXT_MAX_BYTES = 1024;
/** The longest session id a caller may attach (it is stored in the audit trail). */
export const SESSION_ID_MAX = 100;

/** Free text to search for: at most 1 KiB of UTF-8, no NUL bytes (quotes, `;`, `%`, `_` are plain text). */
export const queryText = z
  .string()
  .trim()
  .min(1)
  .refine((s) => Buffer.byteLength(s, 'utf8') <= QUERY_TEXT_MAX_BYTES, `must be at most ${QUERY_TEXT_MAX_BYTES} bytes`)
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL bytes')
  .describe('Text to search for (at most 1 KiB).');

/** How many results a search returns; the gateway fills in 10 when it is unset. */
export const searchLimit = z.number().int().min(1).max(50).describe('Maximum results (1 to 50, default 10).');

/** A search's parameters: the seed's query_params ({query, limit}), and the body of a document search. */
export const searchParams = z.object({ query: queryText, limit: searchLimit.default(10) }).strict();
export type SearchParams = z.infer<typeof searchParams>;
export type SearchParamsInput = z.input<typeof searchParams>;

const requesterContext = z
  .object({
    session_id: z.string().max(SESSION_ID_MAX).optional(),
    user_email: z.email().max(320).optional(),
  })
  .strict()
  .optional()
  .describe('Caller-supplied context, stored in the audit trail as the caller said it (not verified).');

const target = departmentName.describe('Department to query.');

/** A search of another department's rows. */
export const searchRequest = z
  .object({
    target_department_id: target,
    query_type: z.enum(SEARCH_TYPES).describe('What to look up.'),
    query_params: searchParams,
    requester_context: requesterContext,
  })
  .strict();
export type SearchRequest = z.infer<typeof searchRequest>;

/** Counts per period of tool calls, emails and documents; no row content. Needs the aggregate permission. */
export const aggregateRequest = z
  .object({
    target_department_id: target,
    query_type: z.literal('aggregate').describe('Counts by period, no row content.'),
    query_params: z
      .object({
        period: z.enum(['hour', 'day', 'week', 'month']).default('day').describe('Bucket size (default day).'),
        since: z.iso.datetime({ offset: true }).optional().describe('Start (RFC 3339); 30 days ago when unset.'),
        until: z.iso.datetime({ offset: true }).optional().describe('End, exclusive (RFC 3339); now when unset.'),
      })
      .strict()
      .default({ period: 'day' }),
    requester_context: requesterContext,
  })
  .strict();
export type AggregateRequest = z.infer<typeof aggregateRequest>;

/** The seed's CrossDeptQueryRequest (§3.2). The source department comes from the token, so no field names it. */
export const crossDeptQueryRequest = z.discriminatedUnion('query_type', [searchRequest, aggregateRequest]);
export type CrossDeptQueryRequest = z.infer<typeof crossDeptQueryRequest>;
/** A request as a caller writes it (defaults not yet filled in). */
export type CrossDeptQueryInput = z.input<typeof crossDeptQueryRequest>;

export const crossDeptQueryResponse = z.object({
  success: z.boolean(),
  results: z.array(z.record(z.string(), z.unknown())),
  results_count: z.number().int(),
  query_id: z.uuid().describe('Audit trail id: GET /api/v1/cross-dept/audit-log/{query_id}.'),
  access: z.enum(['grant', 'admin']).describe('grant: under a CrossDepartmentGrant; admin: as a platform admin.'),
});
export type CrossDeptQueryResponse = z.infer<typeof crossDeptQueryResponse>;
