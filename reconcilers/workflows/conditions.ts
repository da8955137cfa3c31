/** Condition type and reasons of the workflows component. */
export const WORKFLOWS_READY = 'WorkflowsReady';

export const WorkflowsReason = {
  Active: 'WorkflowsActive',
  Deleted: 'WorkflowsDeleted',
  Retained: 'WorkflowsRetained',
  /** n8n's readiness fails or its API does not answer: the workflows' state is Unknown, nothing is changed. */
  N8nUnavailable: 'N8nUnavailable',
  N8nUnauthorized: 'N8nUnauthorized',
  N8nRejected: 'N8nRejected',
  DatabaseSecretMissing: 'DatabaseSecretMissing',
  OAuthNotConfigured: 'OAuthNotConfigured',
} as const;

/** Event reasons. */
export const WorkflowsEvent = {
  Created: 'WorkflowCreated',
  DriftRepaired: 'WorkflowDriftRepaired',
  Removed: 'WorkflowRemoved',
  CredentialRotated: 'N8nCredentialRotated',
  /** Credentials left behind by an interrupted reconcile (found through n8n's credentials report) were deleted. */
  OrphansRemoved: 'N8nOrphanCredentialsRemoved',
  WebhookTokenRotated: 'N8nWebhookTokenRotated',
  /** Once per outage for the whole controller, not per Department. */
  Unavailable: 'N8nUnavailable',
  Recovered: 'N8nRecovered',
} as const;
