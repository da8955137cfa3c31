import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import type { Logger } from '../../controller/runtime/logger.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import type { DepartmentSpecInput } from '../../crds/department.ts';
import { namespaceFor, tenantNamesFor } from '../../crds/names.ts';
import { N8N_WEBHOOK_SECRET } from '../../crds/secrets.ts';
import type { ComponentContext, ComponentResult, DepartmentObject } from '../../reconcilers/component.ts';

/**
 * Stands in for the database component: a login role confined to `dept_<name>`; simplified versions of the
 * tenant tables the templates read (`contacts` holds `rows`), plus `records`, which is no tenant table and
 * so outside what the database workflow serves; and the Secret `database` in dept-<name> with the keys that
 * component writes.
 */
export async function provisionTenant(
  kc: KubeConfig,
  databaseUrl: string,
  department: string,
  rows: string[],
): Promise<{ user: string; password: string }> {
  const { schema, role: user } = tenantNamesFor(department);
  const password = randomBytes(18).toString('base64url');
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(`CREATE TABLE ${schema}.contacts (id serial PRIMARY KEY, label text NOT NULL)`);
    await db.query(`CREATE TABLE ${schema}.records (id serial PRIMARY KEY, label text NOT NULL)`);
    await db.query(
      `CREATE TABLE ${schema}.session_context (session_id text, context_type text, context_key text,
         context_value jsonb, created_at timestamptz DEFAULT now(), expires_at timestamptz DEFAULT now() + interval '1 hour')`,
    );
    await db.query(`CREATE TABLE ${schema}.vector_store_embeddings (id serial PRIMARY KEY, content text)`);
    await db.query(
      `CREATE TABLE ${schema}.drive_document_repository (drive_file_id text, drive_folder_id text, file_name text,
         mime_type text, web_view_link text)`,
    );
    for (const label of rows) {
      await db.query(`INSERT INTO ${schema}.contacts (label) VALUES ($1)`, [label]);
      await db.query(`INSERT INTO ${schema}.records (label) VALUES ($1)`, [`record-${label}`]);
      await db.query(`INSERT INTO ${schema}.vector_store_embeddings (content) VALUES ($1)`, [`about ${label}`]);
    }
    await db.query(`REVOKE ALL ON DATABASE ${new URL(databaseUrl).pathname.slice(1)} FROM PUBLIC`);
    await db.query(`GRANT CONNECT ON DATABASE ${new URL(databaseUrl).pathname.slice(1)} TO ${user}`);
    await db.query(`GRANT USAGE ON SCHEMA ${schema} TO ${user}`);
    await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${user}`);
  } finally {
    await db.end();
  }
  const url = new URL(databaseUrl);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespaceFor(department) } } }).catch(() => {});
  await core.createNamespacedSecret({
    namespace: namespaceFor(department),
    body: {
      metadata: { name: 'database' },
      stringData: {
        host: url.hostname,
        port: url.port,
        database: url.pathname.slice(1),
        user,
        password,
        schema,
        url: `postgres://${user}:${password}@${url.host}${url.pathname}`,
      },
    },
  });
  return { user, password };
}

/** The header and token Secret n8n-webhook in dept-<name> holds (written by the workflows component). */
export async function readWebhookSecret(
  kc: KubeConfig,
  department: string,
): Promise<{ header: string; token: string }> {
  const secret = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ name: N8N_WEBHOOK_SECRET, namespace: namespaceFor(department) });
  const data = secret.data ?? {};
  const decode = (k: string) => Buffer.from(data[k] ?? '', 'base64').toString('utf8');
  return { header: decode('header'), token: decode('token') };
}

/** Names of the n8n credentials whose name starts with `prefix`, read from n8n's own database (the truth). */
export async function n8nCredentialNames(superuserUrl: string, n8nDatabase: string, prefix: string): Promise<string[]> {
  const url = new URL(superuserUrl);
  url.pathname = `/${n8nDatabase}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    const { rows } = await db.query<{ name: string }>(
      'SELECT name FROM credentials_entity WHERE starts_with(name, $1) ORDER BY name',
      [prefix],
    );
    return rows.map((r) => r.name);
  } finally {
    await db.end();
  }
}

export async function writeOAuthSecret(
  kc: KubeConfig,
  ref: { name: string; namespace: string },
  data: Record<string, string>,
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const body = { metadata: { name: ref.name }, stringData: data };
  try {
    await core.createNamespacedSecret({ namespace: ref.namespace, body });
  } catch {
    await core.replaceNamespacedSecret({ name: ref.name, namespace: ref.namespace, body });
  }
}

/** Creates the Department in the API server and returns it as the controller would read it. */
export async function createDepartment(
  kc: KubeConfig,
  name: string,
  spec: DepartmentSpecInput,
): Promise<DepartmentObject> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const ref = { group: 'federation.synrg.io', version: 'v1alpha1', plural: 'departments' };
  const body = { apiVersion: 'federation.synrg.io/v1alpha1', kind: 'Department', metadata: { name }, spec };
  try {
    await api.createClusterCustomObject({ ...ref, body });
  } catch (err) {
    // createNamespace (support/database.ts) already made it as a fixture: this spec replaces the fixture's.
    if ((err as { code?: number }).code !== 409) throw err;
    await new RestClient(kc).mergePatch(apiPaths.department(name), { spec }, 'federation-test');
  }
  return (await api.getClusterCustomObject({ ...ref, name })) as DepartmentObject;
}

export interface Recorded {
  events: { type: string; reason: string; note: string }[];
  logs: string[];
}

/** A context like the controller's; events and logs are kept for assertions. */
export function contextFor(
  kc: KubeConfig,
  department: DepartmentObject,
  recorded: Recorded,
  dependencies: ComponentContext['dependencies'] = {},
): ComponentContext {
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    recorded.logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  };
  return {
    department,
    namespace: namespaceFor(department.metadata.name),
    kube: new RestClient(kc),
    dependencies,
    events: {
      event: async (type, reason, note) => {
        recorded.events.push({ type, reason, note });
      },
    },
    log: recordingLogger(log),
    signal: new AbortController().signal,
  };
}

/** What the controller does with a result: merge status into the object. */
export function mergeStatus(department: DepartmentObject, result: ComponentResult): void {
  department.status = { ...(department.status ?? {}), ...(result.status ?? {}) };
}

function recordingLogger(log: (level: string) => (msg: string, fields?: Record<string, unknown>) => void): Logger {
  const logger: Logger = {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
    child: () => logger,
  };
  return logger;
}
