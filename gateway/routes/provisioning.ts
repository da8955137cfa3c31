import { Hono } from 'hono';
import type pg from 'pg';
import { z } from 'zod';
import { ApiError, isNotFound } from '../../controller/platform/kube/rest-client.ts';
import { departmentName } from '../../crds/common.ts';
import { departmentSpec } from '../../crds/department.ts';
import { OAUTH_CLIENTS_NAMESPACE } from '../../crds/names.ts';
import type { Verify } from '../identity/verifier.ts';
import type { Metrics } from '../metrics.ts';
import { type AuditVariables, auditTrail } from '../middleware/audit/index.ts';
import { bearerAuth, requireRole, type UnauthenticatedLimit } from '../middleware/auth/index.ts';
import { fail } from '../middleware/problem/index.ts';
import { rateLimit } from '../middleware/rate-limit/index.ts';
import type { DepartmentClient } from '../provisioning/department-client.ts';
import { oauthClientSecretManifest, oauthClientSecretName } from '../provisioning/oauth-client.ts';
import { type ProvisioningRequest, provisioningRequest } from '../provisioning/schemas.ts';
import { PROVISIONING_RECORD_SQL, type ProvisioningRecord, provisioningStatusOf } from '../provisioning/status.ts';
import type { PgRateLimiter } from '../rate-limit/store.ts';
import { jsonBody, parseOr400 } from './validation.ts';

export interface ProvisioningRouteDeps {
  pool: pg.Pool;
  verify: Verify;
  metrics: Metrics;
  limiter: PgRateLimiter;
  departments: DepartmentClient;
  /** Provisioning changes per caller per hour (seed: 5). */
  provisioningPerHour: number;
  unauthenticated?: UnauthenticatedLimit;
}

/** Where the Department finds its OAuth client: the Secret the facade stores, or the one the request names. */
function oauthSecretRef(r: ProvisioningRequest) {
  if (!r.oauth_client) return undefined;
  if ('secret_ref' in r.oauth_client) return r.oauth_client.secret_ref;
  return { name: oauthClientSecretName(r.department_id), namespace: OAUTH_CLIENTS_NAMESPACE };
}

/** The seed's request mapped onto a Department spec, validated by the CRD's own zod schema. */
function toSpec(r: ProvisioningRequest) {
  const secretRef = oauthSecretRef(r);
  const spec = {
    displayName: r.department_name,
    adminEmail: r.admin_email,
    enabledTools: r.enabled_tools,
    ...(r.google_workspace_domain ? { googleWorkspace: { domain: r.google_workspace_domain } } : {}),
    ...(r.custom_config ? { customSettings: r.custom_config } : {}),
    ...(secretRef ? { oauth: { secretRef } } : {}),
    ...(r.rate_limit_per_minute !== undefined ? { gateway: { rateLimitPerMinute: r.rate_limit_per_minute } } : {}),
  };
  parseOr400(departmentSpec, spec);
  return spec;
}

/** The API server's refusal (e.g. `metadata.name: Invalid value ...`) names the field: pass it on as a 400. */
function refusal(err: unknown): never {
  if (err instanceof ApiError && (err.code === 422 || err.code === 400)) fail(400, `Invalid request: ${err.message}`);
  if (err instanceof ApiError && err.code === 409) fail(409, 'The department already exists.');
  throw err;
}

/**
 * Stores the client the request carried as the Secret the new Department names. Without it the Department is
 * not what was asked for, so a failure deletes the Department again; an existing Secret of that name (an
 * operator's) is never overwritten.
 */
async function storeOAuthClient(
  departments: DepartmentClient,
  created: { metadata: { name: string; uid: string } },
  client: Parameters<typeof oauthClientSecretManifest>[1],
): Promise<void> {
  try {
    await departments.createOAuthClientSecret(oauthClientSecretManifest(created.metadata, client));
  } catch (err) {
    await departments.delete(created.metadata.name);
    const secret = `${OAUTH_CLIENTS_NAMESPACE}/${oauthClientSecretName(created.metadata.name)}`;
    if (err instanceof ApiError && err.code === 409) {
      fail(409, `Secret ${secret} already exists: name it in oauth_client.secret_ref instead.`);
    }
    if (err instanceof ApiError && (err.code === 422 || err.code === 400)) {
      fail(400, `Invalid request: oauth_client: the API server refused Secret ${secret}.`);
    }
    throw err;
  }
}

export function provisioningRoutes(deps: ProvisioningRouteDeps) {
  const app = new Hono<{ Variables: AuditVariables }>();
  const guard = (queryType: string) =>
    [
      bearerAuth({ verify: deps.verify, unauthenticated: deps.unauthenticated }),
      auditTrail({ db: deps.pool, metrics: deps.metrics, queryType }),
      requireRole(['admin']),
    ] as const;
  const limited = rateLimit({
    limiter: deps.limiter,
    metrics: deps.metrics,
    scope: 'provisioning',
    windowSeconds: 3600,
    limit: () => deps.provisioningPerHour,
    key: (c) => `${c.var.identity.issuer}|${c.var.identity.subject}`,
  });

  app.post('/provision-department', ...guard('provision_department'), limited, async (c) => {
    const body = await jsonBody(c, 64 * 1024);
    const request = parseOr400(provisioningRequest, body);
    c.var.audit.target = request.department_id;
    c.var.audit.params = {
      department_id: request.department_id,
      enabled_tools: request.enabled_tools,
      ...(request.oauth_client ? { oauth_client: 'secret_ref' in request.oauth_client ? 'secret_ref' : 'inline' } : {}),
    };
    const created = await deps.departments
      .create(request.department_id, toSpec(request), { 'federation.synrg.io/provisioned-by': 'gateway' })
      .catch(refusal);
    if (request.oauth_client && !('secret_ref' in request.oauth_client)) {
      await storeOAuthClient(deps.departments, created, request.oauth_client);
    }
    await deps.pool.query(
      'INSERT INTO federation.provisioning_requests (provisioning_id, department_id, requested_by) VALUES ($1, $2, $3)',
      [created.metadata.uid, created.metadata.name, c.var.identity.subject.slice(0, 255)],
    );
    const id = created.metadata.uid;
    return c.json(
      {
        provisioning_id: id,
        department_id: created.metadata.name,
        status: 'PROVISIONING',
        message: 'Department provisioning initiated',
        status_url: `/api/v1/provision-status/${id}`,
      },
      202,
    );
  });

  app.get('/provision-status/:provisioning_id', ...guard('provision_status'), async (c) => {
    const id = z.uuid().safeParse(c.req.param('provisioning_id'));
    c.var.audit.params = { provisioning_id: c.req.param('provisioning_id') };
    if (!id.success) fail(404, 'No such provisioning request.');
    const { rows } = await deps.pool.query<ProvisioningRecord>(PROVISIONING_RECORD_SQL, [id.data]);
    const record = rows[0];
    if (!record) fail(404, 'No such provisioning request.');
    c.var.audit.target = record.department_id;
    return c.json(provisioningStatusOf(record));
  });

  app.delete('/deprovision/:department_id', ...guard('deprovision_department'), limited, async (c) => {
    // Validated before anything reaches the API server: a name with `/`, `..` or `%2F` would address another
    // resource (e.g. departments/<name>/status) in the Department path.
    const param = departmentName.safeParse(c.req.param('department_id'));
    c.var.audit.params = { department_id: c.req.param('department_id').slice(0, 100) };
    if (!param.success) fail(400, 'Invalid request: department_id must be a department id (a DNS label).');
    const name = param.data;
    c.var.audit.target = name;
    await deps.departments.delete(name).catch((err) => {
      if (isNotFound(err)) fail(404, `No department ${name}.`);
      refusal(err);
    });
    return c.json(
      { department_id: name, status: 'DEPROVISIONING', message: 'Department deprovisioning initiated' },
      202,
    );
  });

  return app;
}
