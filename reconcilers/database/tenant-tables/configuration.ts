import { createdAt, type TenantTable, updatedAt, uuidKey } from './table.ts';

/** Configuration: preferences, API keys (hashes only), feature flags, and the tenant's audit trail. */
export const configurationTables: TenantTable[] = [
  {
    name: 'user_preferences',
    columns: [
      uuidKey,
      'user_id VARCHAR(100) NOT NULL',
      'preference_key VARCHAR(100) NOT NULL',
      'preference_value JSONB NOT NULL',
      createdAt,
      updatedAt,
      'CONSTRAINT user_preference_key UNIQUE (user_id, preference_key)',
    ],
    indexes: {},
  },
  {
    name: 'api_keys',
    columns: [
      uuidKey,
      'name VARCHAR(100) NOT NULL',
      // The first characters of the key, shown to users to tell keys apart; the key itself is never stored.
      'key_prefix VARCHAR(12) NOT NULL',
      "key_hash CHAR(64) NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$')",
      "scopes TEXT[] NOT NULL DEFAULT '{}'",
      'created_by VARCHAR(255)',
      'expires_at TIMESTAMPTZ',
      'last_used_at TIMESTAMPTZ',
      'revoked_at TIMESTAMPTZ',
      createdAt,
    ],
    indexes: { prefix: '(key_prefix)' },
  },
  {
    name: 'feature_flags',
    columns: [
      uuidKey,
      'flag_key VARCHAR(100) NOT NULL UNIQUE',
      'enabled BOOLEAN NOT NULL DEFAULT false',
      'rollout_percentage SMALLINT NOT NULL DEFAULT 100 CHECK (rollout_percentage BETWEEN 0 AND 100)',
      'description TEXT',
      "conditions JSONB NOT NULL DEFAULT '{}'",
      createdAt,
      updatedAt,
    ],
    indexes: {},
  },
  {
    name: 'audit_trail',
    columns: [
      uuidKey,
      'event_type VARCHAR(50) NOT NULL',
      'user_id VARCHAR(100)',
      'session_id VARCHAR(100)',
      'resource_type VARCHAR(50)',
      'resource_id VARCHAR(255)',
      'action VARCHAR(50) NOT NULL',
      'details JSONB',
      'ip_address INET',
      'user_agent TEXT',
      createdAt,
    ],
    indexes: { event: '(event_type)', created: '(created_at DESC)', session: '(session_id)' },
  },
];
