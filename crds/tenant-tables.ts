/**
 * The 24 tables of every tenant schema, in the seed's order. reconcilers/database/tenant-tables defines their
 * columns; the workflows' `database` tool and the agent read them by these names.
 */
export const TENANT_TABLE_NAMES = [
  'tool_calls',
  'session_context',
  'agent_context',
  'conversation_history',
  'drive_document_repository',
  'drive_access_log',
  'vector_store_embeddings',
  'file_attachments',
  'email_logs',
  'calendar_events',
  'contacts',
  'notifications',
  'user_session_analytics',
  'training_metrics',
  'llm_usage_logs',
  'stt_usage_logs',
  'tts_usage_logs',
  'workflow_executions',
  'scheduled_tasks',
  'error_logs',
  'user_preferences',
  'api_keys',
  'feature_flags',
  'audit_trail',
] as const;
export type TenantTableName = (typeof TENANT_TABLE_NAMES)[number];
