/** Owns every tenant table, so no tenant role owns (and thereby bypasses RLS on) what it reads. */
export const OWNER_ROLE = 'federation_owner';
/** Platform administrators: the admin-bypass policies. */
export const ADMIN_ROLE = 'federation_admin_role';
/** The gateway: read-only, subject to the cross-department policies. */
export const CROSS_DEPT_ROLE = 'cross_dept_query_role';

export const PLATFORM_ROLES = [OWNER_ROLE, ADMIN_ROLE, CROSS_DEPT_ROLE];

/** Advisory-lock key spaces (first key), so our locks never collide with another application's. */
const LOCK_SPACE = 0x0fed;
export const FEDERATION_LOCK: [number, number] = [LOCK_SPACE, 0];
/** The per-department lock: second key is hashtext(department) computed by Postgres. */
export const TENANT_LOCK_SPACE = LOCK_SPACE + 1;
