import { z } from 'zod';
import { departmentId } from '../identity/identity.ts';

export const SEARCH_TYPES = ['search_documents', 'get_contact', 'search_emails'] as const;
export const QUERY_TYPES = [...SEARCH_TYPES, 'aggregate'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];
export type QueryType = (typeof QUERY_TYPES)[number];

/** Free text to search for: at most 1 KiB of UTF-8, no NUL bytes (quotes, `;`, `%`, `_` are plain text). */
export const queryText = z
  .string()
  .trim()
  .min(1)
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 1024, 'must be at most 1024 bytes')
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL bytes')
  .describe('Text to search for (at most 1 KiB).');

const requesterContext = z
  .object({
    session_id: z.string().max(100).optional(),
    user_email: z.email().max(320).optional(),
  })
  .strict()
  .optional()
  .describe('Caller-supplied context, stored in the audit trail as the caller said it (not verified).');

const target = departmentId.describe('Department to query.');

/** A search: the seed's query_params ({query, limit}). */
export const searchRequest = z
  .object({
    target_department_id: target,
    query_type: z.enum(SEARCH_TYPES).describe('What to look up.'),
    query_params: z
      .object({
        query: queryText,
        limit: z.number().int().min(1).max(50).default(10).describe('Maximum results (1 to 50, default 10).'),
      })
      .strict(),
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

export const crossDeptQueryResponse = z.object({
  success: z.boolean(),
  results: z.array(z.record(z.string(), z.unknown())),
  results_count: z.number().int(),
  query_id: z.uuid().describe('Audit trail id: GET /api/v1/cross-dept/audit-log/{query_id}.'),
  access: z.enum(['grant', 'admin']).describe('grant: under a CrossDepartmentGrant; admin: as a platform admin.'),
});

export { auditEntrySchema as auditLogEntry } from '../audit/entries.ts';
