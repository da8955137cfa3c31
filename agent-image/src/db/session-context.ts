import type pg from 'pg';
import { qualified } from './pool.ts';

/** The seed's `<dept>_tenant.session_context`: what the agent keeps about a session, expiring after its TTL. */
export class SessionContext {
  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly schema: string,
  ) {}

  async put(sessionId: string, type: string, key: string, value: unknown, ttlSeconds = 3600): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${qualified(this.schema, 'session_context')}
         (session_id, context_type, context_key, context_value, ttl_seconds)
       VALUES ($1, $2, $3, $4::jsonb, $5)`,
      [sessionId, type, key, JSON.stringify(value), ttlSeconds],
    );
  }
}
