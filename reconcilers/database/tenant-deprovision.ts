import type pg from 'pg';
import type { KubeApi } from '../../controller/core/kube-api.ts';
import { markDeprovisioned } from '../../controller/platform/database/federation-records.ts';
import { deleteDatabaseSecret } from './database-secret.ts';
import { ident, type TenantNames } from './names.ts';
import { withTenantLock } from './tenant-lock.ts';

/**
 * Delete: stop the role's sessions, drop the schema and the role, delete the Secret.
 * Retain: keep the schema and the role, but the role can no longer log in.
 * Either way the departments row is marked deprovisioned; audit rows stay for their retention.
 */
export async function deprovisionTenant(
  pool: pg.Pool,
  kube: KubeApi,
  namespace: string,
  n: TenantNames,
  policy: 'Delete' | 'Retain',
): Promise<void> {
  await withTenantLock(pool, n.department, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [n.role]);
    const roleExists = (rowCount ?? 0) > 0;
    if (roleExists) await client.query(`ALTER ROLE ${ident(n.role)} NOLOGIN`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [n.role]);
    if (policy === 'Delete') {
      await client.query(`DROP SCHEMA IF EXISTS ${ident(n.schema)} CASCADE`);
      await client.query('DELETE FROM federation.schema_migrations WHERE department_id = $1', [n.department]);
      if (roleExists) {
        await client.query(`DROP OWNED BY ${ident(n.role)}`);
        await client.query(`DROP ROLE ${ident(n.role)}`);
      }
    }
    await markDeprovisioned(client, n.department);
  });
  if (policy === 'Delete') await deleteDatabaseSecret(kube, namespace);
}
