import type pg from 'pg';
import { markDeprovisioned } from '../../controller/platform/database/federation-records.ts';
import { OWNER_ROLE } from '../../controller/platform/database/platform-roles.ts';
import type { KubeApi } from '../../controller/runtime/kube-api.ts';
import { deleteDatabaseSecret } from './database-secret.ts';
import { ident, type TenantNames } from './names.ts';
import { ownsRole, renameLegacyTenant } from './tenant-claim.ts';
import { lockDatabaseAcl } from './tenant-connect.ts';
import { withTenantLock } from './tenant-lock.ts';

/**
 * Delete: stop the role's sessions, drop the schema and the role, delete the Secret.
 * Retain: keep the schema and the role, but the role can no longer log in.
 * Only what federation created is touched: a role without federation's ownership comment and a schema
 * federation_owner does not own are left alone (a tenant under the legacy names is renamed first).
 * Either way the departments row is marked deprovisioned; audit rows stay for their retention.
 */
export async function deprovisionTenant(
  pool: pg.Pool,
  kube: KubeApi,
  namespace: string,
  n: TenantNames,
  policy: 'Delete' | 'Retain',
): Promise<{ roleOwned: boolean }> {
  const roleOwned = await withTenantLock(pool, n.department, async (client) => {
    await renameLegacyTenant(client, n);
    const owned = await ownsRole(client, n);
    const { rows } = await client.query<{ owner: string }>(
      'SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1',
      [n.schema],
    );
    if (owned) {
      await client.query(`ALTER ROLE ${ident(n.role)} NOLOGIN`);
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [n.role]);
    }
    if (policy === 'Delete') {
      if (rows[0]?.owner === OWNER_ROLE) await client.query(`DROP SCHEMA ${ident(n.schema)} CASCADE`);
      await client.query('DELETE FROM federation.schema_migrations WHERE department_id = $1', [n.department]);
      if (owned) {
        await lockDatabaseAcl(client); // DROP OWNED revokes the role's CONNECT on this database
        await client.query(`DROP OWNED BY ${ident(n.role)}`);
        await client.query(`DROP ROLE ${ident(n.role)}`);
      }
    }
    await markDeprovisioned(client, n.department);
    return owned;
  });
  if (policy === 'Delete') await deleteDatabaseSecret(kube, namespace, n.department);
  return { roleOwned };
}
