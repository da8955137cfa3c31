import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Departments whose tokens were revoked (on deprovision) and since when, from
 * federation.gateway_token_revocations, refreshed every few seconds.
 */
export class Revocations {
  private cutoffs = new Map<string, number>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly refreshMs = 5_000,
  ) {}

  /** Whether a token of `department` issued at `issuedAt` (seconds) has been revoked. */
  async isRevoked(department: string, issuedAt: number): Promise<boolean> {
    if (Date.now() - this.loadedAt > this.refreshMs) await this.load();
    const cutoff = this.cutoffs.get(department);
    return cutoff !== undefined && issuedAt * 1000 < cutoff;
  }

  private load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const { rows } = await this.db.query<{ department_id: string; ms: string }>(
          'SELECT department_id, (extract(epoch FROM revoked_before) * 1000)::bigint AS ms FROM federation.gateway_token_revocations',
        );
        this.cutoffs = new Map(rows.map((r) => [r.department_id, Number(r.ms)]));
        this.loadedAt = Date.now();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
