/** Condition types and reasons the database component reports. */
export const DATABASE_READY = 'DatabaseReady';
export const ISOLATION_VERIFIED = 'IsolationVerified';

export const Reason = {
  Provisioned: 'Provisioned',
  ValidationFailed: 'ValidationFailed',
  IsolationNotProven: 'IsolationNotProven',
  IsolationProven: 'IsolationProven',
  IsolationBreached: 'IsolationBreached',
  RlsNotApplied: 'RlsNotApplied',
  SchemaBehind: 'SchemaBehind',
  Deleted: 'Deleted',
  Retained: 'Retained',
  DriftRepaired: 'DriftRepaired',
  InvalidSchemaVersion: 'InvalidSchemaVersion',
  InvalidDepartmentName: 'InvalidDepartmentName',
  /** Refusals (Stalled, Warning event, security_audit row, no Secret): see tenant-claim.ts. */
  ReservedDepartmentName: 'ReservedDepartmentName',
  NameCollidesWithRole: 'NameCollidesWithRole',
  RoleNotOwned: 'RoleNotOwned',
  SchemaNotOwned: 'SchemaNotOwned',
  /** Drift repair that loses data or changes names, each reported as its own Warning event. */
  TableRecreated: 'TableRecreated',
  TenantRenamed: 'TenantRenamed',
  /** What is still wrong after repair (Stalled). */
  UnrepairableDrift: 'UnrepairableDrift',
} as const;

/** Pins a department's tenant schema to a version (e.g. after a rollback); latest when absent. */
export const SCHEMA_VERSION_ANNOTATION = 'federation.synrg.io/tenant-schema-version';
