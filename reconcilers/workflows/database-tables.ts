import { TENANT_TABLE_NAMES } from '../../crds/tenant-tables.ts';

/**
 * The tenant tables the `database` tool serves, by name; anything else (another schema's table, a view, a
 * name with a dot or a quote) is refused by the workflow before a query runs. Every tenant table but
 * `api_keys`, whose key hashes an agent has no use for.
 */
export const DATABASE_TOOL_TABLES = TENANT_TABLE_NAMES.filter((t) => t !== 'api_keys');
