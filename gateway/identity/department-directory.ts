import pg from 'pg';
import { z } from 'zod';

type Queryable = Pick<pg.Pool, 'query'>;

/** What the gateway needs to know about a token's department before it trusts the token. */
export interface DepartmentStanding {
  /** federation.departments.status, undefined when the department does not exist. */
  status: string | undefined;
  /** Tokens of the department issued before this instant (ms) are refused. */
  revokedBeforeMs: number | undefined;
}

export interface DepartmentDirectoryOptions {
  /** Reads (the gateway's pool). */
  pool: Queryable;
  /** Opens the dedicated LISTEN connection; without it every check reads the database. */
  listen?: () => pg.Client;
  /** Full reload at least this often, a safety net under the push (default 60 s). */
  reloadMs?: number;
  /** Reconnect delay after the LISTEN connection failed (default 1 s). */
  retryMs?: number;
  onError?: (err: Error) => void;
}

export const CHANNEL = 'federation_gateway';

const notification = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('department'), id: z.string(), status: z.string().nullable() }),
  z.object({ kind: z.literal('revocation'), id: z.string(), before_ms: z.number().nullable() }),
]);

const LOAD_SQL = `SELECT d.department_id AS id, d.status, NULL::bigint AS before_ms FROM federation.departments d
                  UNION ALL
                  SELECT r.department_id, NULL, (extract(epoch FROM r.revoked_before) * 1000)::bigint
                    FROM federation.gateway_token_revocations r`;

/**
 * Every department's status and token revocation, kept in memory and pushed by Postgres (LISTEN
 * federation_gateway; triggers of migration 0007 notify on every change), so that a revocation or a
 * department leaving ACTIVE reaches every gateway replica as soon as the change commits. While the LISTEN
 * connection is down (or before its first load) each check reads the database instead: a missed
 * notification can never leave a revoked token accepted.
 */
export class DepartmentDirectory {
  private status = new Map<string, string>();
  private revoked = new Map<string, number>();
  private client: pg.Client | undefined;
  private live = false;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: DepartmentDirectoryOptions) {}

  /** Whether checks are answered from memory (the push is connected and the directory loaded). */
  get pushed(): boolean {
    return this.live;
  }

  async start(): Promise<void> {
    if (!this.opts.listen) return;
    await this.connect().catch((err: Error) => this.failed(err));
    const reload = setInterval(() => {
      if (this.live) this.load().catch((err: Error) => this.failed(err));
    }, this.opts.reloadMs ?? 60_000);
    reload.unref();
    this.timers.push(reload);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.live = false;
    await this.client?.end().catch(() => undefined);
  }

  async standing(department: string): Promise<DepartmentStanding> {
    if (this.live) return { status: this.status.get(department), revokedBeforeMs: this.revoked.get(department) };
    const { rows } = await this.opts.pool.query<{ status: string | null; before_ms: string | null }>(
      `SELECT (SELECT status FROM federation.departments WHERE department_id = $1) AS status,
              (SELECT (extract(epoch FROM revoked_before) * 1000)::bigint FROM federation.gateway_token_revocations
                WHERE department_id = $1) AS before_ms`,
      [department],
    );
    const row = rows[0];
    return { status: row?.status ?? undefined, revokedBeforeMs: row?.before_ms ? Number(row.before_ms) : undefined };
  }

  private async connect(): Promise<void> {
    const client = (this.opts.listen as () => pg.Client)();
    this.client = client;
    client.on('error', (err) => this.failed(err));
    client.on('end', () => this.failed(new Error('LISTEN connection closed')));
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      const parsed = notification.safeParse(JSON.parse(msg.payload));
      if (!parsed.success) return;
      const n = parsed.data;
      if (n.kind === 'department') {
        if (n.status === null) this.status.delete(n.id);
        else this.status.set(n.id, n.status);
      } else if (n.before_ms === null) this.revoked.delete(n.id);
      else this.revoked.set(n.id, n.before_ms);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    // Loaded after LISTEN: a change committed in between arrives as a notification too, so nothing is missed.
    await this.load();
    this.live = true;
  }

  private async load(): Promise<void> {
    const { rows } = await this.opts.pool.query<{ id: string; status: string | null; before_ms: string | null }>(
      LOAD_SQL,
    );
    const status = new Map<string, string>();
    const revoked = new Map<string, number>();
    for (const r of rows) {
      if (r.status !== null) status.set(r.id, r.status);
      if (r.before_ms !== null) revoked.set(r.id, Number(r.before_ms));
    }
    this.status = status;
    this.revoked = revoked;
  }

  private failed(err: Error): void {
    if (this.stopped) return;
    const wasLive = this.live || this.client !== undefined;
    this.live = false;
    const client = this.client;
    this.client = undefined;
    if (!wasLive) return; // a reconnect is already scheduled
    this.opts.onError?.(err);
    client?.removeAllListeners('end');
    void client?.end().catch(() => undefined);
    const retry = setTimeout(() => {
      if (!this.stopped) this.connect().catch((e: Error) => this.failed(e));
    }, this.opts.retryMs ?? 1000);
    retry.unref();
  }
}

/** A LISTEN connection factory for `connectionString` (a client of its own, outside the pool). */
export function listenClient(connectionString: string): () => pg.Client {
  return () => new pg.Client({ connectionString, keepAlive: true });
}
