import type pg from 'pg';
import { type GrantObject, removeGrant, syncGrant } from './grants.ts';

/**
 * Keeps federation.cross_dept_permissions in step with CrossDepartmentGrants (the RLS policies read it).
 * Typed by what it reads, not by the grant controller's GrantSyncer: a component sits below the domain
 * controllers, and the wiring (controller/components.ts) checks that this shape fits that interface.
 */
export interface PostgresGrantSyncer {
  name: string;
  apply(grant: GrantObject, active: boolean): Promise<void>;
  delete(grant: GrantObject): Promise<void>;
}

export function postgresGrantSyncer(pool: pg.Pool): PostgresGrantSyncer {
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
