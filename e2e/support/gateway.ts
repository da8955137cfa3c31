import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { ensureGatewayDatabase } from '../../controller/platform/database/gateway-role.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { KEY_SECRET_NAMESPACE, PLATFORM_ISSUER, type Role } from '../../controller/platform/tokens/constants.ts';
import { SigningKeyStore } from '../../controller/platform/tokens/key-store.ts';
import { mintToken, type SigningKey } from '../../controller/platform/tokens/mint.ts';
import { createApp, type GatewayDeps } from '../../gateway/app.ts';
import { admitFrom } from '../../gateway/identity/admission.ts';
import { DepartmentDirectory } from '../../gateway/identity/department-directory.ts';
import { PlatformKeys } from '../../gateway/identity/platform-keys.ts';
import { createVerifier, type VerifierOptions } from '../../gateway/identity/verifier.ts';
import { createMetrics } from '../../gateway/metrics.ts';
import type { DepartmentClient } from '../../gateway/provisioning/department-client.ts';
import { PgRateLimiter } from '../../gateway/rate-limit/store.ts';
import { createDatabaseComponent } from '../../reconcilers/database/component.ts';
import { tenantNames } from '../../reconcilers/database/names.ts';
import { kubectlOk } from '../testenv/kubectl.ts';
import {
  createNamespace,
  createTestDatabase,
  departmentObject,
  kubeConfigFrom,
  randomDepartment,
  type TestDatabase,
  testContext,
} from './database.ts';

/** Test support (not a test): a private database with departments, the gateway's role and keys, and an app. */
export interface GatewayTestbed {
  db: TestDatabase;
  kc: KubeConfig;
  kube: RestClient;
  /** Connects as the gateway's own login role. */
  gatewayUrl: string;
  gatewayPool: pg.Pool;
  keys: SigningKeyStore;
  key: SigningKey;
  departments: string[];
  token(department: string, role?: Role, extra?: { lifetimeSeconds?: number; subject?: string }): Promise<string>;
  /** Builds an app on the real database with any dependency replaced. */
  app(overrides?: Partial<GatewayDeps> & { verifier?: Partial<VerifierOptions> }): ReturnType<typeof createApp>;
  seedDocuments(department: string, docs: { id: string; name: string; text: string }[]): Promise<void>;
  grant(
    name: string,
    spec: {
      source: string;
      target: string;
      permissions?: string[];
      queryTypes?: string[];
      expiresAt?: Date | null;
      enabled?: boolean;
    },
  ): Promise<void>;
  revokeGrant(name: string): Promise<void>;
  stop(): Promise<void>;
}

export const unusedDepartments: DepartmentClient = {
  create: () => Promise.reject(new Error('not used')),
  get: () => Promise.reject(new Error('not used')),
  delete: () => Promise.reject(new Error('not used')),
  createOAuthClientSecret: () => Promise.reject(new Error('not used')),
};

export async function ensureNamespace(kubeconfig: string, name: string): Promise<void> {
  const ns = await kubectlOk(kubeconfig, ['create', 'namespace', name, '--dry-run=client', '-o', 'yaml']);
  await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', '-'], ns);
}

export async function startTestbed(opts: {
  kubeconfig: string;
  databaseUrl: string;
  prefixes: string[];
}): Promise<GatewayTestbed> {
  const db = await createTestDatabase(opts.databaseUrl);
  const kc = kubeConfigFrom(opts.kubeconfig);
  const kube = new RestClient(kc);
  const suffix = randomBytes(4).toString('hex');
  await ensureNamespace(opts.kubeconfig, KEY_SECRET_NAMESPACE);
  const departments = opts.prefixes.map((p) => randomDepartment(p));
  const component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
  for (const name of departments) {
    await createNamespace(kc, name);
    await component.apply(testContext(kc, departmentObject(name)));
  }
  const role = `gateway_test_${suffix}`;
  const gatewayUrl = await ensureGatewayDatabase({
    adminPool: db.pool,
    kube,
    roleName: role,
    secret: { namespace: KEY_SECRET_NAMESPACE, name: `gateway-database-${suffix}` },
  });
  const gatewayPool = new pg.Pool({ connectionString: gatewayUrl, max: 10 });
  // Dropping the database at the end terminates connections pool.end() is still closing.
  gatewayPool.on('error', () => {});
  const keys = new SigningKeyStore({ pool: db.pool, name: `gateway-signing-keys-${suffix}` });
  const key = await keys.activeKey(kube);
  const metrics = createMetrics();
  return {
    db,
    kc,
    kube,
    gatewayUrl,
    gatewayPool,
    keys,
    key,
    departments,
    async token(department, role = 'agent', extra = {}) {
      return (
        await mintToken(key, {
          department,
          role,
          lifetimeSeconds: extra.lifetimeSeconds ?? 600,
          subject: extra.subject,
        })
      ).token;
    },
    app(overrides = {}) {
      const platformKeys = overrides.platformKeys ?? new PlatformKeys(gatewayPool);
      // Without LISTEN every check reads the database: tests see each change at once.
      const directory = new DepartmentDirectory({ pool: gatewayPool });
      return createApp({
        pool: gatewayPool,
        platformKeys,
        verify: createVerifier({
          platformKeys: platformKeys.getKey,
          admit: admitFrom(directory, PLATFORM_ISSUER),
          ...overrides.verifier,
        }),
        metrics,
        limiter: new PgRateLimiter(gatewayPool),
        limitFor: async () => 1_000_000,
        // app.request has no socket: every request comes from `unknown`, so tests raise the per-address limit.
        unauthenticatedPerMinute: 100_000,
        departments: unusedDepartments,
        ...overrides,
      });
    },
    async seedDocuments(department, docs) {
      const schema = tenantNames(department).schema;
      for (const d of docs) {
        await db.pool.query(
          `INSERT INTO ${schema}.drive_document_repository (drive_file_id, drive_folder_id, file_name, extracted_text)
           VALUES ($1, 'folder', $2, $3)`,
          [d.id, d.name, d.text],
        );
      }
    },
    async grant(name, g) {
      await db.pool.query(
        `INSERT INTO federation.cross_dept_permissions
           (grant_name, source_department_id, target_department_id, permissions, query_types, expires_at, enabled, granted_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'test')
         ON CONFLICT (grant_name) DO UPDATE SET permissions = EXCLUDED.permissions, query_types = EXCLUDED.query_types,
           expires_at = EXCLUDED.expires_at, enabled = EXCLUDED.enabled`,
        [
          name,
          g.source,
          g.target,
          g.permissions ?? ['search', 'read'],
          g.queryTypes ?? ['search_documents', 'get_contact', 'search_emails'],
          g.expiresAt ?? null,
          g.enabled ?? true,
        ],
      );
    },
    async revokeGrant(name) {
      await db.pool.query('DELETE FROM federation.cross_dept_permissions WHERE grant_name = $1', [name]);
    },
    async stop() {
      await gatewayPool.end();
      kube.close();
      await db.drop(departments);
      const admin = new pg.Client({ connectionString: opts.databaseUrl });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
    },
  };
}
