// Pulumi's state as the controller keeps it: the PostgreSQL DIY backend's table, read through the controller's own
// backend URL (its `?table=` parameter, default pulumi_state, resolved on that connection's search path as Pulumi
// resolves it: the platform's database user has a schema of its name, which comes before public).
import pg from 'pg';

export class PulumiState {
  private constructor(
    private readonly pool: pg.Pool,
    /** The table's schema and name, quoted. */
    private readonly table: string,
    /** `schema.table`, for messages. */
    readonly tableName: string,
  ) {}

  /** Throws when the backend URL's connection finds no such table. */
  static async open(backendUrl: string): Promise<PulumiState> {
    const url = new URL(backendUrl);
    const name = url.searchParams.get('table') ?? 'pulumi_state';
    url.searchParams.delete('table');
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    pool.on('error', () => {}); // the fault suite terminates backends on purpose; the next query reports it
    try {
      const { rows } = await pool.query<{ schema: string; table: string }>(
        `SELECT n.nspname AS schema, c.relname AS table
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = to_regclass($1)`,
        [name],
      );
      const found = rows[0];
      if (!found) {
        throw new Error(
          `Pulumi's state table ${name} does not exist for ${url.username}@${url.host}${url.pathname} (search path)`,
        );
      }
      const quoted = `${pg.escapeIdentifier(found.schema)}.${pg.escapeIdentifier(found.table)}`;
      return new PulumiState(pool, quoted, `${found.schema}.${found.table}`);
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  /** A stack's keys: `<bucket>/.pulumi/{stacks,backups,history,locks}/<project>/<stack>...`. */
  async stackKeys(project: string, stack: string): Promise<string[]> {
    const p = literal(project);
    const s = literal(stack);
    const { rows } = await this.pool.query<{ key: string }>(
      `SELECT key FROM ${this.table}
        WHERE key LIKE $1 OR key LIKE $2 OR key LIKE $3 OR key LIKE $4
        ORDER BY key`,
      [
        `%/.pulumi/stacks/${p}/${s}.json%`,
        `%/.pulumi/backups/${p}/${s}/%`,
        `%/.pulumi/history/${p}/${s}/%`,
        `%/.pulumi/locks/${p}/${s}/%`,
      ],
    );
    return rows.map((r) => r.key);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** LIKE pattern text for a literal value. */
function literal(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
