import type pg from 'pg';
import { GATEWAY_ROLE } from '../../controller/platform/database/gateway-role.ts';
import { OWNER_ROLE, PLATFORM_ROLES } from '../../controller/platform/database/platform-roles.ts';
import { departmentSlug } from '../../crds/names.ts';
import { TerminalError } from '../component.ts';
import { Reason } from './conditions.ts';
import { ident, legacyTenantNames, literal, type TenantNames } from './names.ts';
import { retentionFunctionsSql } from './tenant-ddl.ts';
import { currentVersion } from './tenant-migrate.ts';
import { checksum, TENANT_MIGRATIONS } from './tenant-migrations.ts';

type Queryable = Pick<pg.PoolClient, 'query'>;

/** The component will not touch this tenant: doing so would take over something federation did not create. */
export class TenantRefusal extends TerminalError {}

/** Something claiming changed (a rename, a schema found missing); reported as a Warning event. */
export interface ClaimNote {
  kind: 'Renamed' | 'SchemaMissing';
  detail: string;
}

/**
 * The comment every tenant role carries from its creation: the proof that federation created it, for this
 * department in this database (roles are cluster-wide; another database's federation must not adopt it).
 * Only a superuser or a CREATEROLE holder with ADMIN on the role can set a role's comment.
 */
export function ownershipComment(department: string, database: string): string {
  return `federation.synrg.io/department=${department} database=${database}`;
}

export async function commentOwnership(client: Queryable, n: TenantNames): Promise<void> {
  const { rows } = await client.query<{ database: string }>('SELECT current_database() AS database');
  const comment = ownershipComment(n.department, rows[0]?.database ?? '');
  await client.query(`COMMENT ON ROLE ${ident(n.role)} IS ${literal(comment)}`);
}

interface RoleFound {
  comment: string | null;
  rolsuper: boolean;
  rolconfig: string[] | null;
}

async function findRole(client: Queryable, name: string): Promise<RoleFound | undefined> {
  const { rows } = await client.query<RoleFound>(
    `SELECT shobj_description(oid, 'pg_authid') AS comment, rolsuper, rolconfig FROM pg_roles WHERE rolname = $1`,
    [name],
  );
  return rows[0];
}

async function schemaOwner(client: Queryable, name: string): Promise<string | undefined> {
  const { rows } = await client.query<{ owner: string }>(
    'SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1',
    [name],
  );
  return rows[0]?.owner;
}

function isPlatformRole(role: string): boolean {
  return [...PLATFORM_ROLES, GATEWAY_ROLE, 'postgres'].includes(role) || role.startsWith('pg_');
}

/** Whether the department's role exists and carries federation's ownership comment for this database. */
export async function ownsRole(client: Queryable, n: TenantNames): Promise<boolean> {
  const [role, { rows }] = await Promise.all([
    findRole(client, n.role),
    client.query<{ database: string }>('SELECT current_database() AS database'),
  ]);
  return role !== undefined && role.comment === ownershipComment(n.department, rows[0]?.database ?? '');
}

/**
 * A tenant provisioned under the legacy names (`<name>_tenant`, `<name>_role`) gets its current names, data in
 * place. Only what federation provably made is renamed: the schema its own departments row names and that
 * federation_owner owns, and a role that is no platform role, no superuser, carries no one's ownership comment
 * and has the search_path federation gave it.
 */
export async function renameLegacyTenant(client: Queryable, n: TenantNames): Promise<ClaimNote[]> {
  const legacy = legacyTenantNames(n);
  const { rows } = await client.query<{ tenant_schema: string }>(
    'SELECT tenant_schema FROM federation.departments WHERE department_id = $1',
    [n.department],
  );
  if (rows[0]?.tenant_schema !== legacy.schema) return [];
  const notes: ClaimNote[] = [];
  if (
    (await schemaOwner(client, n.schema)) === undefined &&
    (await schemaOwner(client, legacy.schema)) === OWNER_ROLE
  ) {
    await client.query(`ALTER SCHEMA ${ident(legacy.schema)} RENAME TO ${ident(n.schema)}`);
    const version = await currentVersion(client, n.department);
    // The retention functions name their schema in their bodies; everything else refers to it by oid.
    if (version >= 3) await client.query(retentionFunctionsSql(n));
    for (const m of TENANT_MIGRATIONS.filter((m) => m.version <= version)) {
      await client.query(
        'UPDATE federation.schema_migrations SET checksum = $3 WHERE department_id = $1 AND version = $2',
        [n.department, m.version, checksum(m.up(n))],
      );
    }
    notes.push({ kind: 'Renamed', detail: `schema ${legacy.schema} renamed to ${n.schema}` });
  }
  const role = await findRole(client, legacy.role);
  const adoptable =
    role !== undefined &&
    role.comment === null &&
    !role.rolsuper &&
    !isPlatformRole(legacy.role) &&
    (role.rolconfig ?? []).includes(`search_path=${legacy.schema}`);
  if (adoptable && (await findRole(client, n.role)) === undefined) {
    // SCRAM verifiers do not depend on the role name, so the password in the Secret keeps working.
    await client.query(`ALTER ROLE ${ident(legacy.role)} RENAME TO ${ident(n.role)}`);
    await commentOwnership(client, n);
    notes.push({ kind: 'Renamed', detail: `role ${legacy.role} renamed to ${n.role}` });
  }
  return notes;
}

function refuse(reason: string, message: string): never {
  throw new TenantRefusal(reason, message);
}

/**
 * Decides, inside the tenant lock and before anything is written, whether the component may provision these
 * names: it refuses a department named like an existing role, a role it did not create and a schema it never
 * migrated. Renames a tenant still under the legacy names, and notices a tenant schema dropped behind its back
 * (its bookkeeping is cleared so the migrations recreate it).
 */
export async function claimTenant(client: Queryable, n: TenantNames): Promise<ClaimNote[]> {
  const slug = departmentSlug(n.department);
  if (isPlatformRole(n.role) || isPlatformRole(slug)) {
    refuse(Reason.ReservedDepartmentName, `${n.department} would use a platform role's name`);
  }
  if (await findRole(client, slug)) {
    refuse(
      Reason.NameCollidesWithRole,
      `a database role named ${slug} already exists and a department may not be named after one: choose another name`,
    );
  }
  const notes = await renameLegacyTenant(client, n);
  if ((await findRole(client, n.role)) && !(await ownsRole(client, n))) {
    refuse(
      Reason.RoleNotOwned,
      `database role ${n.role} exists but federation did not create it for ${n.department}: it is left untouched and no credentials are issued`,
    );
  }
  const owner = await schemaOwner(client, n.schema);
  const version = await currentVersion(client, n.department);
  if (owner !== undefined && version === 0) {
    refuse(
      Reason.SchemaNotOwned,
      `schema ${n.schema} exists but federation never created it for ${n.department}: it is left untouched`,
    );
  }
  if (owner === undefined && version > 0) {
    await client.query('DELETE FROM federation.schema_migrations WHERE department_id = $1', [n.department]);
    notes.push({
      kind: 'SchemaMissing',
      detail: `schema ${n.schema} was missing (at version ${version}) and is recreated with empty tables: its rows are lost`,
    });
  }
  return notes;
}
