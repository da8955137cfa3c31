/** Reasons the Department controller writes into Ready, Reconciling and Stalled (components bring their own). */
export const Reason = {
  Succeeded: 'Succeeded',
  Progressing: 'Progressing',
  ComponentsNotReady: 'ComponentsNotReady',
  ComponentFailed: 'ComponentFailed',
  DependencyNotReady: 'DependencyNotReady',
  Suspended: 'Suspended',
  Deprovisioning: 'Deprovisioning',
  DeleteFailed: 'DeleteFailed',
  ReconcileError: 'ReconcileError',
  /** A component's observe found drift (its Event, and its drift condition under Report or while repairing). */
  DriftDetected: 'DriftDetected',
} as const;
