/** Condition type and reasons of the workflows component. */
export const WORKFLOWS_READY = 'WorkflowsReady';

export const WorkflowsReason = {
  Active: 'WorkflowsActive',
  Deleted: 'WorkflowsDeleted',
  Retained: 'WorkflowsRetained',
  N8nUnreachable: 'N8nUnreachable',
  N8nUnauthorized: 'N8nUnauthorized',
  N8nRejected: 'N8nRejected',
  DatabaseSecretMissing: 'DatabaseSecretMissing',
  OAuthNotConfigured: 'OAuthNotConfigured',
  OAuthSecretInvalid: 'OAuthSecretInvalid',
} as const;

/** Event reasons. */
export const WorkflowsEvent = {
  Created: 'WorkflowCreated',
  DriftRepaired: 'WorkflowDriftRepaired',
  Removed: 'WorkflowRemoved',
  CredentialRotated: 'N8nCredentialRotated',
} as const;
