/**
 * The tenant tables the `database` tool serves, by name; anything else (another schema's table, a view, a
 * name with a dot or a quote) is refused by the workflow before a query runs. These are the seed's tenant
 * tables (reconcilers/database/tenant-tables, checked by database-tables.test.ts) except `api_keys`, whose
 * key hashes an agent has no use for.
 */
export const DATABASE_TOOL_TABLES = [
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
  'feature_flags',
  'audit_trail',
] as const;
