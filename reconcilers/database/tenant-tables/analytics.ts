import { createdAt, serialKey, type TenantTable, uuidKey } from './table.ts';

const usage = (extra: string[]): string[] => [
  serialKey,
  'session_id VARCHAR(100)',
  'provider VARCHAR(50) NOT NULL',
  ...extra,
  'latency_ms INTEGER CHECK (latency_ms >= 0)',
  'cost_usd NUMERIC(12, 6) CHECK (cost_usd >= 0)',
  'success BOOLEAN NOT NULL DEFAULT true',
  'error_message TEXT',
  createdAt,
];
const usageIndexes = { session: '(session_id)', created: '(created_at DESC)', provider: '(provider, created_at DESC)' };

/** Analytics: sessions, training metrics and per-provider usage (cost accounting). */
export const analyticsTables: TenantTable[] = [
  {
    name: 'user_session_analytics',
    columns: [
      uuidKey,
      'session_id VARCHAR(100) NOT NULL UNIQUE',
      'user_id VARCHAR(100)',
      'started_at TIMESTAMPTZ NOT NULL',
      'ended_at TIMESTAMPTZ',
      'duration_ms INTEGER CHECK (duration_ms >= 0)',
      'turn_count INTEGER NOT NULL DEFAULT 0 CHECK (turn_count >= 0)',
      'tool_call_count INTEGER NOT NULL DEFAULT 0 CHECK (tool_call_count >= 0)',
      'error_count INTEGER NOT NULL DEFAULT 0 CHECK (error_count >= 0)',
      'satisfaction_score SMALLINT CHECK (satisfaction_score BETWEEN 1 AND 5)',
      "metadata JSONB NOT NULL DEFAULT '{}'",
      'CONSTRAINT ends_after_start CHECK (ended_at IS NULL OR ended_at >= started_at)',
    ],
    indexes: { user: '(user_id)', started: '(started_at DESC)' },
  },
  {
    name: 'training_metrics',
    columns: [
      serialKey,
      'metric_name VARCHAR(100) NOT NULL',
      'metric_value DOUBLE PRECISION NOT NULL',
      'model_name VARCHAR(100)',
      'dataset VARCHAR(255)',
      'recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()',
      "metadata JSONB NOT NULL DEFAULT '{}'",
    ],
    indexes: { metric: '(metric_name, recorded_at DESC)' },
  },
  {
    name: 'llm_usage_logs',
    columns: usage([
      'model VARCHAR(100) NOT NULL',
      'prompt_tokens INTEGER NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0)',
      'completion_tokens INTEGER NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0)',
      'total_tokens INTEGER GENERATED ALWAYS AS (prompt_tokens + completion_tokens) STORED',
    ]),
    indexes: usageIndexes,
  },
  {
    name: 'stt_usage_logs',
    columns: usage([
      'model VARCHAR(100) NOT NULL',
      'audio_duration_ms INTEGER NOT NULL CHECK (audio_duration_ms >= 0)',
      'language VARCHAR(16)',
    ]),
    indexes: usageIndexes,
  },
  {
    name: 'tts_usage_logs',
    columns: usage([
      'voice VARCHAR(100) NOT NULL',
      'character_count INTEGER NOT NULL CHECK (character_count >= 0)',
      'audio_duration_ms INTEGER CHECK (audio_duration_ms >= 0)',
    ]),
    indexes: usageIndexes,
  },
];
