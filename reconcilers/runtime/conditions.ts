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
  Deleted: 'Deleted',
  Retained: 'Retained',
} as const;
