import { createInterface } from 'node:readline';
import type { KubeList, KubeObject } from '../kube-api.ts';
import { ApiError, type KubeApi } from '../kube-api.ts';
import type { Logger } from '../logger.ts';

export interface InformerHandlers<T> {
  onUpsert(obj: T, old: T | undefined): void;
  onDelete(obj: T): void;
}

interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T & { code?: number; message?: string };
}

export function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}

/**
 * A list+watch cache with client-go's semantics: resume from the last resourceVersion, ask for
 * bookmarks, relist on 410 Gone (diffing against the cache so no deletion is missed), and
 * re-establish a dropped watch with capped exponential backoff.
 */
export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private resourceVersion = '';
  private synced = false;
  private stopped = false;
  private abort = new AbortController();
  private readonly syncWaiters: (() => void)[] = [];
  private failures = 0;

  constructor(
    private readonly client: KubeApi,
    private readonly path: string,
    private readonly handlers: InformerHandlers<T>,
    private readonly log: Logger,
    private readonly labelSelector?: string,
  ) {}

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        await this.watch();
        this.failures = 0;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof ApiError && err.code === 410) {
          this.log.info('watch expired, relisting', { path: this.path });
          this.resourceVersion = '';
          continue;
        }
        this.failures++;
        const delay = Math.min(30_000, 200 * 2 ** Math.min(this.failures, 8)) * (0.5 + Math.random() / 2);
        this.log.warn('watch failed, retrying', { path: this.path, error: String(err), retryInMs: Math.round(delay) });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async relist(): Promise<void> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.get<KubeList<T>>(this.path, {
        limit: 500,
        continue: cont,
        labelSelector: this.labelSelector,
      });
      for (const item of page.items) {
        const key = keyOf(item);
        seen.add(key);
        this.upsert(item);
      }
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont);
    for (const [key, obj] of this.store) {
      if (!seen.has(key)) {
        this.store.delete(key);
        this.handlers.onDelete(obj);
      }
    }
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const old = this.store.get(key);
    if (old?.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.store.set(key, obj);
    this.handlers.onUpsert(obj, old);
  }

  private async watch(): Promise<void> {
    this.abort = new AbortController();
    const res = await this.client.stream(this.path, {
      signal: this.abort.signal,
      query: {
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion: this.resourceVersion,
        timeoutSeconds: 240 + Math.floor(Math.random() * 120),
        labelSelector: this.labelSelector,
      },
    });
    const lines = createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (!line) continue;
      const event = JSON.parse(line) as WatchEvent<T>;
      if (event.type === 'ERROR') {
        const code = event.object.code ?? 500;
        throw new ApiError(code, code === 410 ? 'Expired' : 'WatchError', event.object.message ?? 'watch error');
      }
      this.resourceVersion = event.object.metadata.resourceVersion;
      if (event.type === 'BOOKMARK') continue;
      if (event.type === 'DELETED') {
        const key = keyOf(event.object);
        this.store.delete(key);
        this.handlers.onDelete(event.object);
      } else {
        this.upsert(event.object);
      }
    }
  }
}
