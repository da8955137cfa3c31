/** Condition types and reasons the runtime component reports. */
export const RUNTIME_READY = 'RuntimeReady';
export const RUNTIME_DRIFTED = 'RuntimeDrifted';

export const Reason = {
  /** Railway deployment succeeded. */
  DeploymentSucceeded: 'DeploymentSucceeded',
  /** Railway deployment is queued, building or deploying. */
  Reconciling: 'Reconciling',
  DeploymentFailed: 'DeploymentFailed',
  DeploymentCrashed: 'DeploymentCrashed',
  DeploymentUnknown: 'DeploymentUnknown',
  NoDrift: 'NoDrift',
  DriftDetected: 'DriftDetected',
  DriftRemediated: 'DriftRemediated',
  StaleLockCleared: 'StaleLockCleared',
  PlatformSecretInvalid: 'PlatformSecretInvalid',
  /** Railway answered 5xx or could not be reached (the engine's calls retried and gave up). */
  RailwayUnavailable: 'RailwayUnavailable',
  /** Railway answered 429. */
  RailwayRateLimited: 'RailwayRateLimited',
  /** Railway refused a request (its message is in the condition). */
  RailwayRequestFailed: 'RailwayRequestFailed',
  /** Another update holds the stack. */
  StackLocked: 'StackLocked',
  /** An engine run went on past RUNTIME_OPERATION_TIMEOUT_MS and was stopped. */
  EngineTimedOut: 'EngineTimedOut',
  /** Any other engine failure. */
  EngineFailed: 'EngineFailed',
  /** A Pulumi run (create, update, repair, full check) is in progress. */
  Provisioning: 'Provisioning',
  Deleted: 'Deleted',
  Retained: 'Retained',
} as const;
