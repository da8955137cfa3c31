import type pg from 'pg';
import type { GrantSyncer } from '../../controller/grant/reconciler.ts';
import { removeGrant, syncGrant } from './grants.ts';

/** Keeps federation.cross_dept_permissions in step with CrossDepartmentGrants (the RLS policies read it). */
export function postgresGrantSyncer(pool: pg.Pool): GrantSyncer {
  return {
    name: 'postgres',
    async apply(grant, active) {
      // A grant whose department is missing must not apply; an expired one is refused by the policies' expires_at
      // check, and a suspended one keeps its row with enabled = false.
      if (active || grant.spec.expiresAt || grant.spec.suspend) await syncGrant(pool, grant);
      else await removeGrant(pool, grant.metadata.name);
    },
    delete: (grant) => removeGrant(pool, grant.metadata.name),
  };
}
