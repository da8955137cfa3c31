/** What the controller (and later issues) use from the Postgres tenancy folder. */

export { migrateFederation } from '../../controller/platform/database/federation-migrate.ts';
export { recordProgress, recordSecurityEvent } from '../../controller/platform/database/federation-records.ts';
export * as federationSchema from '../../controller/platform/database/federation-schema.ts';
export { DATABASE_READY, ISOLATION_VERIFIED, Reason, SCHEMA_VERSION_ANNOTATION } from './conditions.ts';
export { createDatabaseComponent, type DatabaseComponentOptions } from './database-component.ts';
export { DATABASE_SECRET, type DatabaseEndpoint } from './database-secret.ts';
export { GRANTED_BY_ANNOTATION, type GrantObject, type GrantSyncResult, removeGrant, syncGrant } from './grants.ts';
export { type RetentionReport, runRetention } from './retention.ts';
export { type UpgradeOptions, type UpgradeOutcome, upgradeAllTenants } from './tenant-upgrade.ts';

import type { DatabaseEndpoint } from './database-secret.ts';

/** The endpoint written into department Secrets, from the controller's DATABASE_URL (credentials dropped). */
export function endpointFromUrl(databaseUrl: string): DatabaseEndpoint {
  const url = new URL(databaseUrl);
  return { host: url.hostname, port: Number(url.port || 5432), database: decodeURIComponent(url.pathname.slice(1)) };
}
