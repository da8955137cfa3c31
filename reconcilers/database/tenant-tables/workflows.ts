import { createdAt, serialKey, type TenantTable, updatedAt, uuidKey } from './table.ts';

/** Workflows: n8n executions, scheduled tasks, errors. */
export const workflowTables: TenantTable[] = [
  {
    name: 'workflow_executions',
    columns: [
      uuidKey,
      'workflow_id VARCHAR(100) NOT NULL',
      'execution_id VARCHAR(100) UNIQUE',
      'tool_call_id VARCHAR(100)',
      "status VARCHAR(20) NOT NULL DEFAULT 'running'",
      'started_at TIMESTAMPTZ NOT NULL DEFAULT now()',
      'finished_at TIMESTAMPTZ',
      'duration_ms INTEGER CHECK (duration_ms >= 0)',
      'input JSONB',
      'output JSONB',
      'error_message TEXT',
      "CONSTRAINT valid_status CHECK (status IN ('running', 'success', 'error', 'waiting', 'cancelled'))",
    ],
    indexes: { workflow: '(workflow_id, started_at DESC)', status: '(status)', tool_call: '(tool_call_id)' },
  },
  {
    name: 'scheduled_tasks',
    columns: [
      uuidKey,
      'task_name VARCHAR(255) NOT NULL',
      'task_type VARCHAR(50) NOT NULL',
      'schedule VARCHAR(100)',
      "payload JSONB NOT NULL DEFAULT '{}'",
      "status VARCHAR(20) NOT NULL DEFAULT 'active'",
      'next_run_at TIMESTAMPTZ',
      'last_run_at TIMESTAMPTZ',
      'run_count INTEGER NOT NULL DEFAULT 0 CHECK (run_count >= 0)',
      createdAt,
      updatedAt,
      "CONSTRAINT valid_status CHECK (status IN ('active', 'paused', 'completed', 'failed'))",
    ],
    indexes: { due: "(next_run_at) WHERE status = 'active'" },
  },
  {
    name: 'error_logs',
    columns: [
      serialKey,
      'error_type VARCHAR(100) NOT NULL',
      'error_message TEXT NOT NULL',
      'stack_trace TEXT',
      'component VARCHAR(100)',
      'session_id VARCHAR(100)',
      'tool_call_id VARCHAR(100)',
      "severity VARCHAR(10) NOT NULL DEFAULT 'error'",
      "context JSONB NOT NULL DEFAULT '{}'",
      'resolved BOOLEAN NOT NULL DEFAULT false',
      createdAt,
      "CONSTRAINT valid_severity CHECK (severity IN ('debug', 'info', 'warning', 'error', 'critical'))",
    ],
    indexes: { created: '(created_at DESC)', severity: '(severity, created_at DESC)', session: '(session_id)' },
  },
];
