import { analyticsTables } from './analytics.ts';
import { communicationTables } from './communication.ts';
import { configurationTables } from './configuration.ts';
import { coreTables } from './core.ts';
import { documentTables } from './documents.ts';
import type { TenantTable } from './table.ts';
import { workflowTables } from './workflows.ts';

export type { TenantTable } from './table.ts';
export { indexName } from './table.ts';

/** The 24 tables of every tenant schema, in creation order (references point backwards only). */
export const TENANT_TABLES: readonly TenantTable[] = [
  ...coreTables,
  ...documentTables,
  ...communicationTables,
  ...analyticsTables,
  ...workflowTables,
  ...configurationTables,
];

/** Tables the department role may only append to and read (no UPDATE or DELETE). */
export const APPEND_ONLY_TABLES = new Set(['audit_trail']);
