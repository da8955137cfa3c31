import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { migrateFederation } from '../../controller/platform/database/federation-migrate.ts';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { isNotFound } from '../../controller/runtime/kube-api.ts';
import { silentLogger } from '../../controller/runtime/logger.ts';
import { apiPaths } from '../../crds/api-paths.ts';
import type { DepartmentSpec } from '../../crds/department.ts';
import { namespaceFor } from '../../crds/names.ts';
import type { ComponentContext, DepartmentObject } from '../../reconcilers/component.ts';
import type { DatabaseEndpoint } from '../../reconcilers/database/database-secret.ts';
import { tenantNames } from '../../reconcilers/database/names.ts';

/** Test support (not a test): a private database per test file, departments, namespaces and contexts. */
export interface TestDatabase {
  pool: pg.Pool;
  url: string;
  endpoint: DatabaseEndpoint;
  /** Drops the database and the department roles the tests created (roles are cluster-wide). */
  drop(departments: string[]): Promise<void>;
}

export async function createTestDatabase(superuserUrl: string): Promise<TestDatabase> {
  const name = `fed_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: superuserUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(superuserUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  // DROP DATABASE ... WITH (FORCE) terminates connections a test may still hold: not an error of the test.
  pool.on('error', () => {});
  await migrateFederation(pool);
  return {
    pool,
    url: url.toString(),
    endpoint: { host: url.hostname, port: Number(url.port || 5432), database: name },
    async drop(departments) {
      await pool.end();
      const client = new pg.Client({ connectionString: superuserUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        for (const d of departments) await client.query(`DROP ROLE IF EXISTS ${tenantNames(d).role}`);
      } finally {
        await client.end();
      }
    },
  };
}

export function randomDepartment(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * The Departments createNamespace made real in the API server (by name: their uids), and the objects
 * departmentObject handed out per name. What a component writes names its Department as owner: the cluster's
 * garbage collector deletes it when no object has that uid, so each handed-out object takes the real uid, whether
 * it was made before or after its namespace.
 */
const registered = new Map<string, string>();
const handedOut = new Map<string, DepartmentObject[]>();

export function departmentObject(name: string, spec: Partial<DepartmentSpec> = {}): DepartmentObject {
  const object: DepartmentObject = {
    apiVersion: 'federation.synrg.io/v1alpha1',
    kind: 'Department',
    metadata: {
      name,
      uid: registered.get(name) ?? `00000000-0000-4000-8000-${randomBytes(6).toString('hex')}`,
      generation: 1,
      resourceVersion: '1',
    },
    spec: {
      displayName: name,
      adminEmail: `admin@${name}.example.com`,
      enabledTools: ['database'],
      deletionPolicy: 'Delete',
      suspend: false,
      ...spec,
    },
  };
  handedOut.set(name, [...(handedOut.get(name) ?? []), object]);
  return object;
}

export function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * The department's namespace, and the Department itself in the API server (labelled as a fixture: no test's
 * controller watches it), so that what a component writes there has a real owner.
 */
export async function createNamespace(kc: KubeConfig, department: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespaceFor(department) } } });
  if (!registered.has(department)) {
    const { metadata, spec } = departmentObject(department);
    const kube = new RestClient(kc);
    // A test that made the Department itself (support/workflows.ts createDepartment) keeps its own.
    const existing = await kube.get<DepartmentObject>(apiPaths.department(department)).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const owner =
      existing ??
      (await kube.create<DepartmentObject>(
        apiPaths.departments,
        {
          apiVersion: 'federation.synrg.io/v1alpha1',
          kind: 'Department',
          metadata: { name: metadata.name, labels: { 'federation.synrg.io/test-fixture': 'true' } },
          spec,
        },
        'federation-test',
      ));
    registered.set(department, owner.metadata.uid as string);
  }
  for (const object of handedOut.get(department) ?? []) object.metadata.uid = registered.get(department) as string;
}

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  note: string;
}

export function testContext(
  kc: KubeConfig,
  department: DepartmentObject,
  events: RecordedEvent[] = [],
): ComponentContext {
  return {
    department,
    namespace: namespaceFor(department.metadata.name),
    kube: new RestClient(kc),
    dependencies: {},
    events: { event: async (type, reason, note) => void events.push({ type, reason, note }) },
    log: silentLogger,
    signal: new AbortController().signal,
  };
}
