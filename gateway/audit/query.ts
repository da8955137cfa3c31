import { z } from 'zod';
import { gatewayOutcomes } from '../../controller/platform/database/federation-schema.ts';
import { departmentName } from '../../crds/common.ts';
import { TRAIL_COLUMNS } from './entries.ts';

/** Where a page ends: the last entry's instant (microseconds, UTC) and id, as an opaque token. */
const cursorShape = z.object({
  t: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
  i: z.string().max(64),
});
export type Cursor = z.infer<typeof cursorShape>;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

const cursor = z
  .string()
  .max(200)
  .transform((s, ctx) => {
    try {
      return cursorShape.parse(JSON.parse(Buffer.from(s, 'base64url').toString()));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
      return z.NEVER;
    }
  });

/** GET /api/v1/audit query parameters, parsed once at the edge. */
export const auditQuery = z
  .object({
    department: departmentName.optional().describe('Entries where this department is the source or the target.'),
    source: departmentName.optional(),
    target: departmentName.optional(),
    outcome: z.enum(gatewayOutcomes).optional(),
    query_type: z
      .string()
      .regex(/^[a-z_:-]{1,64}$/i)
      .optional()
      .describe('A query type, or the event type of a security or provisioning event.'),
    kind: z.enum(['query', 'security', 'provisioning']).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: cursor.optional(),
    format: z.enum(['json', 'ndjson', 'csv']).default('json'),
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuery>;

/** Newest first, keyset-paginated on (created_at, id); every filter is a bound parameter. */
export const TRAIL_PAGE_SQL = `SELECT ${TRAIL_COLUMNS} FROM federation.audit_trail t
  WHERE ($1::text IS NULL OR t.department = $1 OR t.target = $1)
    AND ($2::text IS NULL OR t.department = $2)
    AND ($3::text IS NULL OR t.target = $3)
    AND ($4::text IS NULL OR t.outcome = $4)
    AND ($5::text IS NULL OR t.action = $5)
    AND ($6::text IS NULL OR t.kind = $6)
    AND ($7::timestamptz IS NULL OR t.created_at >= $7)
    AND ($8::timestamptz IS NULL OR t.created_at < $8)
    AND ($9::timestamptz IS NULL OR (t.created_at, t.id) < ($9::timestamptz, $10::text))
  ORDER BY t.created_at DESC, t.id DESC
  LIMIT $11`;

export function pageValues(q: AuditQuery, after: Cursor | undefined, limit: number): unknown[] {
  return [
    q.department ?? null,
    q.source ?? null,
    q.target ?? null,
    q.outcome ?? null,
    q.query_type ?? null,
    q.kind ?? null,
    q.since ?? null,
    q.until ?? null,
    after?.t ?? null,
    after?.i ?? null,
    limit,
  ];
}
