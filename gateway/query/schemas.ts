import { z } from 'zod';
import { departmentId } from '../identity/identity.ts';

export const QUERY_TYPES = ['search_documents', 'get_contact', 'search_emails'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

/** Free text to search for: at most 1 KiB of UTF-8, no NUL bytes (quotes, `;`, `%`, `_` are plain text). */
const queryText = z
  .string()
  .trim()
  .min(1)
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 1024, 'must be at most 1024 bytes')
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL bytes')
  .describe('Text to search for (at most 1 KiB).');

/** The seed's CrossDeptQueryRequest (§3.2). The source department comes from the token, so no field names it. */
export const crossDeptQueryRequest = z
  .object({
    target_department_id: departmentId.describe('Department to query.'),
    query_type: z.enum(QUERY_TYPES).describe('What to look up.'),
    query_params: z
      .object({
        query: queryText,
        limit: z.number().int().min(1).max(50).default(10).describe('Maximum results (1 to 50, default 10).'),
      })
      .strict(),
    requester_context: z
      .object({
        session_id: z.string().max(100).optional(),
        user_email: z.email().max(320).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type CrossDeptQueryRequest = z.infer<typeof crossDeptQueryRequest>;

export const crossDeptQueryResponse = z.object({
  success: z.boolean(),
  results: z.array(z.record(z.string(), z.unknown())),
  results_count: z.number().int(),
  query_id: z.uuid().describe('Audit trail id: GET /api/v1/cross-dept/audit-log/{query_id}.'),
});

export const auditLogEntry = z.object({
  id: z.uuid(),
  source_department_id: z.string(),
  target_department_id: z.string().nullable(),
  query_type: z.string(),
  query_params: z.unknown(),
  requester_session_id: z.string().nullable(),
  requester_user_email: z.string().nullable(),
  results_returned: z.number().int().nullable(),
  success: z.boolean(),
  decision: z.enum(['allow', 'deny', 'error']),
  outcome: z.enum(['allowed', 'denied', 'rate_limited', 'invalid', 'failed']).nullable(),
  latency_ms: z.number().int().nullable(),
  error_message: z.string().nullable(),
  created_at: z.string(),
});
