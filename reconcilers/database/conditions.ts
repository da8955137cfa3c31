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
} as const;

/** Pins a department's tenant schema to a version (e.g. after a rollback); latest when absent. */
export const SCHEMA_VERSION_ANNOTATION = 'federation.synrg.io/tenant-schema-version';
