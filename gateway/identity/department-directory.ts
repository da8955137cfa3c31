import pg from 'pg';
import { departmentName } from '../../crds/common.ts';

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
  /** A notification that names no department (logged by the caller; nothing else happens). */
  onIgnored?: (message: string) => void;
}

export const CHANNEL = 'federation_gateway';

/** Above this many departments waiting to be re-read, one full reload is cheaper and bounds the memory held. */
const MAX_PENDING = 256;

const LOAD_SQL = `SELECT d.department_id AS id, d.status, NULL::bigint AS before_ms FROM federation.departments d
                  UNION ALL
                  SELECT r.department_id, NULL, (extract(epoch FROM r.revoked_before) * 1000)::bigint
                    FROM federation.gateway_token_revocations r`;

const REREAD_SQL = `SELECT i.id, d.status, (extract(epoch FROM r.revoked_before) * 1000)::bigint AS before_ms
                      FROM unnest($1::text[]) AS i(id)
                      LEFT JOIN federation.departments d ON d.department_id = i.id
                      LEFT JOIN federation.gateway_token_revocations r ON r.department_id = i.id`;

/**
 * The department a notification names, or undefined for anything else. The payload is a bare department id
 * (migration 0008); the JSON of earlier migrations is read for its id alone. Nothing else in it is used: any
 * login can NOTIFY on any channel, so a payload is only a hint of which rows to re-read.
 */
export function notifiedDepartment(payload: string | undefined): string | undefined {
  if (!payload) return undefined;
  let id: unknown = payload;
  if (payload.startsWith('{')) {
    try {
      id = (JSON.parse(payload) as { id?: unknown } | null)?.id;
    } catch {
      return undefined;
    }
  }
  const parsed = departmentName.safeParse(id);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Every department's status and token revocation, kept in memory and pushed by Postgres (LISTEN
 * federation_gateway; triggers of migrations 0007/0008 notify on every change), so that a revocation or a
 * department leaving ACTIVE reaches every gateway replica as soon as the change commits. A notification says
 * only which department changed; its rows are then re-read from tables tenant roles cannot write, so a forged
 * notification costs one indexed read and changes nothing. Reads run one at a time (a later read never loses to
 * an earlier one) and notifications that arrive meanwhile are coalesced into the next. While the LISTEN
 * connection is down (or before its first load) each check reads the database instead: a missed notification
 * can never leave a revoked token accepted.
 */
export class DepartmentDirectory {
  private status = new Map<string, string>();
  private revoked = new Map<string, number>();
  private client: pg.Client | undefined;
  private live = false;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private pending = new Set<string>();
  private reloadAll = false;
  private reading: Promise<void> | undefined;

  constructor(private readonly opts: DepartmentDirectoryOptions) {}

  /** Whether checks are answered from memory (the push is connected and the directory loaded). */
  get pushed(): boolean {
    return this.live;
  }

  async start(): Promise<void> {
    if (!this.opts.listen) return;
    await this.connect().catch((err: Error) => this.failed(err));
    const reload = setInterval(() => {
      if (!this.live) return;
      this.reloadAll = true;
      void this.drain();
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
    client.on('notification', (msg) => this.notified(msg));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    // Loaded after LISTEN: a change committed in between arrives as a notification too, so nothing is missed.
    this.reloadAll = true;
    while (this.reloadAll || this.reading) await this.drain();
    this.live = true;
  }

  private notified(msg: pg.Notification): void {
    if (msg.channel !== CHANNEL) return;
    const department = notifiedDepartment(msg.payload);
    if (department === undefined) {
      this.opts.onIgnored?.(
        `unreadable notification ignored (${msg.payload?.length ?? 0} bytes, pid ${msg.processId})`,
      );
      return;
    }
    if (this.pending.size >= MAX_PENDING) this.reloadAll = true;
    else this.pending.add(department);
    void this.drain();
  }

  /** Runs the reads asked for so far, one at a time; resolves when this round has none left. */
  private drain(): Promise<void> {
    if (!this.reading) {
      const reading = this.readAll().finally(() => {
        this.reading = undefined;
        if (!this.stopped && (this.reloadAll || this.pending.size > 0)) void this.drain();
      });
      reading.catch((err: Error) => this.failed(err));
      this.reading = reading;
    }
    return this.reading;
  }

  private async readAll(): Promise<void> {
    try {
      while (!this.stopped && (this.reloadAll || this.pending.size > 0)) {
        if (this.reloadAll) {
          this.reloadAll = false;
          this.pending.clear();
          await this.load();
        } else {
          const departments = [...this.pending];
          this.pending.clear();
          await this.reread(departments);
        }
      }
    } catch (error) {
      // The reconnect that follows reloads everything.
      this.reloadAll = false;
      this.pending.clear();
      throw error;
    }
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

  private async reread(departments: string[]): Promise<void> {
    const { rows } = await this.opts.pool.query<{ id: string; status: string | null; before_ms: string | null }>(
      REREAD_SQL,
      [departments],
    );
    for (const r of rows) {
      if (r.status === null) this.status.delete(r.id);
      else this.status.set(r.id, r.status);
      if (r.before_ms === null) this.revoked.delete(r.id);
      else this.revoked.set(r.id, Number(r.before_ms));
    }
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
