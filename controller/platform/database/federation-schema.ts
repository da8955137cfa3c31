import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

/** The control-plane schema: one per database, shared by every department. */
export const federation = pgSchema('federation');

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** Hash-chain columns an audit table's BEFORE INSERT trigger fills in (migration 0006); callers never set them. */
const chainColumns = () => ({
  chain: varchar('chain', { length: 120 }),
  chainSeq: bigint('chain_seq', { mode: 'number' }),
  prevHash: bytea('prev_hash'),
  rowHash: bytea('row_hash'),
});

export const gatewayOutcomes = ['allowed', 'denied', 'rate_limited', 'invalid', 'failed'] as const;

export const departmentStatuses = ['PROVISIONING', 'ACTIVE', 'DEPROVISIONING', 'FAILED', 'DEPROVISIONED'] as const;

/** Mirror of each Department for SQL consumers and the gateway. */
export const departments = federation.table(
  'departments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    departmentId: varchar('department_id', { length: 100 }).notNull().unique(),
    departmentName: varchar('department_name', { length: 255 }).notNull(),
    status: varchar('status', { length: 20, enum: departmentStatuses }).notNull().default('PROVISIONING'),
    tenantSchema: varchar('tenant_schema', { length: 63 }).notNull(),
    railwayProjectId: varchar('railway_project_id', { length: 255 }),
    railwayDeploymentUrl: text('railway_deployment_url'),
    /** Where an operator watches the department's runtime (the Railway project's dashboard). */
    dashboardUrl: text('dashboard_url'),
    n8nWorkflowIds: jsonb('n8n_workflow_ids').$type<Record<string, string>>(),
    enabledTools: jsonb('enabled_tools').$type<string[]>().notNull().default([]),
    adminEmail: varchar('admin_email', { length: 255 }).notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
    generation: integer('generation'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deprovisionedAt: timestamp('deprovisioned_at', { withTimezone: true }),
  },
  (t) => [
    index('idx_departments_status').on(t.status),
    index('idx_departments_created').on(t.createdAt.desc()),
    check('valid_status', sql`${t.status} IN ('PROVISIONING', 'ACTIVE', 'DEPROVISIONING', 'FAILED', 'DEPROVISIONED')`),
  ],
);

/** One row per reconcile of a new Department generation, with per-component progress. */
export const provisioningJobs = federation.table(
  'provisioning_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    departmentId: varchar('department_id', { length: 100 })
      .notNull()
      .references(() => departments.departmentId, { onDelete: 'cascade' }),
    generation: integer('generation').notNull(),
    status: varchar('status', { length: 20 }).notNull().default('PENDING'),
    progress: jsonb('progress').$type<Record<string, string>>().notNull().default({}),
    errorMessage: text('error_message'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    /** The Department's uid: the facade's provisioning_id (a Department recreated under the same name differs). */
    departmentUid: uuid('department_uid'),
    /** Each component's last condition: {component: {step, status, reason, message}}. */
    steps: jsonb('steps').$type<Record<string, unknown>>().notNull().default({}),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('idx_provisioning_jobs_uid').on(t.departmentUid),
    unique('provisioning_jobs_generation').on(t.departmentId, t.generation),
    index('idx_provisioning_status').on(t.status),
    check('valid_status', sql`${t.status} IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED')`),
  ],
);

/** A department's OAuth client, encrypted; `key_id` names the encryption key version (OAuth issue). */
export const oauthCredentials = federation.table(
  'oauth_credentials',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    departmentId: varchar('department_id', { length: 100 })
      .notNull()
      .references(() => departments.departmentId, { onDelete: 'cascade' }),
    serviceName: varchar('service_name', { length: 50 }).notNull(),
    oauthClientId: varchar('oauth_client_id', { length: 255 }).notNull(),
    oauthClientSecretEncrypted: bytea('oauth_client_secret_encrypted').notNull(),
    oauthAppName: varchar('oauth_app_name', { length: 255 }),
    scopes: jsonb('scopes').$type<string[]>(),
    refreshTokenEncrypted: bytea('refresh_token_encrypted'),
    keyId: varchar('key_id', { length: 100 }),
    /** The pgcrypto cipher of both encrypted columns; rows still under aes128 are re-encrypted with the key. */
    cipherAlgo: varchar('cipher_algo', { length: 20 }).notNull().default('aes256'),
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
    lastRefreshedAt: timestamp('last_refreshed_at', { withTimezone: true }),
    createdAt: createdAt(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
  },
  (t) => [
    unique('unique_dept_service').on(t.departmentId, t.serviceName),
    index('idx_oauth_service').on(t.serviceName),
  ],
);

/** CrossDepartmentGrants as the tenant policies see them (synced by grants.ts). */
export const crossDeptPermissions = federation.table(
  'cross_dept_permissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    grantName: varchar('grant_name', { length: 253 }).notNull().unique(),
    sourceDepartmentId: varchar('source_department_id', { length: 100 }).notNull(),
    targetDepartmentId: varchar('target_department_id', { length: 100 }).notNull(),
    permissions: text('permissions').array().notNull(),
    queryTypes: text('query_types').array().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    grantedBy: varchar('granted_by', { length: 255 }).notNull(),
    reason: text('reason'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('idx_cross_dept_permissions_pair').on(t.sourceDepartmentId, t.targetDepartmentId),
    check('different_departments', sql`${t.sourceDepartmentId} <> ${t.targetDepartmentId}`),
  ],
);

/** Every cross-department query the gateway served or refused. */
export const crossDeptAudit = federation.table(
  'cross_dept_audit',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sourceDepartmentId: varchar('source_department_id', { length: 100 }).notNull(),
    targetDepartmentId: varchar('target_department_id', { length: 100 }),
    queryType: varchar('query_type', { length: 50 }).notNull(),
    queryParams: jsonb('query_params'),
    requesterSessionId: varchar('requester_session_id', { length: 100 }),
    resultsReturned: integer('results_returned'),
    success: boolean('success').notNull(),
    decision: varchar('decision', { length: 10 }).notNull(),
    latencyMs: integer('latency_ms'),
    errorMessage: text('error_message'),
    /** The gateway's finer verdict behind `decision` (gateway issue). */
    outcome: varchar('outcome', { length: 20, enum: gatewayOutcomes }),
    requesterUserEmail: varchar('requester_user_email', { length: 320 }),
    createdAt: createdAt(),
    /** Who the verified token speaks for (never caller-supplied). */
    requesterSubject: varchar('requester_subject', { length: 255 }),
    requesterIssuer: varchar('requester_issuer', { length: 255 }),
    requesterRole: varchar('requester_role', { length: 10 }),
    /** How the target was read: `grant` (cross_dept_query_role) or `admin` (federation_admin_role). */
    accessPath: varchar('access_path', { length: 10 }),
    /** For an aggregated rate-limit row: how many refused requests it stands for. */
    refusedCount: integer('refused_count'),
    ...chainColumns(),
  },
  (t) => [
    index('idx_cross_dept_chain').on(t.chain, t.chainSeq),
    index('idx_cross_dept_source').on(t.sourceDepartmentId),
    index('idx_cross_dept_target').on(t.targetDepartmentId),
    index('idx_cross_dept_created').on(t.createdAt.desc()),
    check('valid_decision', sql`${t.decision} IN ('allow', 'deny', 'error')`),
    check('non_negative_latency', sql`${t.latencyMs} IS NULL OR ${t.latencyMs} >= 0`),
    check(
      'valid_outcome',
      sql`${t.outcome} IS NULL OR ${t.outcome} IN ('allowed', 'denied', 'rate_limited', 'invalid', 'failed')`,
    ),
  ],
);

/**
 * Sliding-window counters shared by every gateway replica: `slots` maps a slot number (1/60 of the window) to
 * the admissions counted in it; federation.rate_limit_take() (and rate_limit_hit() of replicas of the release before)
 * reads and updates a bucket in one locked step.
 */
export const gatewayRateWindows = federation.table('gateway_rate_windows', {
  bucket: varchar('bucket', { length: 200 }).primaryKey(),
  slots: jsonb('slots').$type<Record<string, number>>().notNull().default({}),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Refused requests counted per bucket and minute, until a gateway moves them into the audit trail as one row. */
export const gatewayRefusals = federation.table(
  'gateway_refusals',
  {
    bucket: varchar('bucket', { length: 200 }).notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    source: varchar('source', { length: 100 }).notNull(),
    scope: varchar('scope', { length: 30 }).notNull(),
    refused: integer('refused').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.periodStart] })],
);

/** The head of each audit hash chain (one per department and table); only the chain trigger writes here. */
export const auditChainHeads = federation.table('audit_chain_heads', {
  chain: varchar('chain', { length: 120 }).primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  head: bytea('head').notNull(),
  /** The head before the last append (the last row's prev_hash), so one upsert both links and returns it. */
  prev: bytea('prev'),
  /** Rows up to this seq were removed by retention; the first remaining row links to pruned_hash. */
  prunedSeq: bigint('pruned_seq', { mode: 'number' }).notNull().default(0),
  prunedHash: bytea('pruned_hash'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Public halves of the platform token signing keys (the private keys stay in a Secret the controller reads).
 * The gateway serves these at /.well-known/jwks.json; a key stays here until the last token it signed expired.
 */
export const gatewaySigningKeys = federation.table('gateway_signing_keys', {
  kid: varchar('kid', { length: 100 }).primaryKey(),
  alg: varchar('alg', { length: 10 }).notNull(),
  publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  /** No token signed with this key outlives this instant; the key can be dropped after it. */
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** Tokens of a department issued before `revoked_before` are refused (set on deprovision). */
export const gatewayTokenRevocations = federation.table('gateway_token_revocations', {
  departmentId: varchar('department_id', { length: 100 }).primaryKey(),
  revokedBefore: timestamp('revoked_before', { withTimezone: true }).notNull(),
});

/** Departments requested through the gateway's provisioning facade: provisioning_id is the Department's uid. */
export const provisioningRequests = federation.table(
  'provisioning_requests',
  {
    provisioningId: uuid('provisioning_id').primaryKey(),
    departmentId: varchar('department_id', { length: 100 }).notNull(),
    requestedBy: varchar('requested_by', { length: 255 }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('idx_provisioning_requests_department').on(t.departmentId)],
);

/** Security-relevant events: drift repaired, isolation proof failed, access denied. */
export const securityAudit = federation.table(
  'security_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventType: varchar('event_type', { length: 64 }).notNull(),
    departmentId: varchar('department_id', { length: 100 }),
    severity: varchar('severity', { length: 10 }).notNull().default('info'),
    actor: varchar('actor', { length: 255 }),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    /** `security` (breaches, refusals, drift, key rotations) or `provisioning` (job and step transitions). */
    category: varchar('category', { length: 20 }).notNull().default('security'),
    ...chainColumns(),
  },
  (t) => [
    index('idx_security_audit_chain').on(t.chain, t.chainSeq),
    check('valid_category', sql`${t.category} IN ('security', 'provisioning')`),
    index('idx_security_audit_event').on(t.eventType, t.createdAt.desc()),
    index('idx_security_audit_department').on(t.departmentId),
    index('idx_security_audit_created').on(t.createdAt.desc()),
    check('valid_severity', sql`${t.severity} IN ('info', 'warning', 'critical')`),
  ],
);

/** Tenant migrations applied per department (tenant-migrations.ts). */
export const schemaMigrations = federation.table(
  'schema_migrations',
  {
    departmentId: varchar('department_id', { length: 100 }).notNull(),
    version: integer('version').notNull(),
    name: varchar('name', { length: 100 }).notNull(),
    checksum: varchar('checksum', { length: 64 }).notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.departmentId, t.version] })],
);
