import type { KubeApi, KubeObject } from '../kube-api.ts';
import type { Logger } from '../logger.ts';
import type { CacheReader, Caches } from '../registration.ts';
import { Informer, type InformerHandlers } from './informer.ts';

interface Entry {
  informer: Informer<KubeObject>;
  labelSelector: string | undefined;
  handlers: InformerHandlers<KubeObject>[];
}

/** One informer per watched collection, shared by every controller that watches it (controller-runtime's cache). */
export class CacheSet implements Caches {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly client: KubeApi,
    private readonly log: Logger,
  ) {}

  /** Adds `handlers` to the informer of `path`; one collection is watched with one label selector only. */
  add<T extends KubeObject>(path: string, labelSelector: string | undefined, handlers: InformerHandlers<T>): void {
    let entry = this.entries.get(path);
    if (!entry) {
      const fanOut: Entry['handlers'] = [];
      const informer = new Informer<KubeObject>(
        this.client,
        path,
        {
          onUpsert: (obj, old) => {
            for (const h of fanOut) h.onUpsert(obj, old);
          },
          onDelete: (obj) => {
            for (const h of fanOut) h.onDelete(obj);
          },
        },
        this.log,
        labelSelector,
      );
      entry = { informer, labelSelector, handlers: fanOut };
      this.entries.set(path, entry);
    } else if (entry.labelSelector !== labelSelector) {
      throw new Error(`${path} is watched with two label selectors (${entry.labelSelector}, ${labelSelector})`);
    }
    entry.handlers.push(handlers as InformerHandlers<KubeObject>);
  }

  reader<T extends KubeObject>(path: string): CacheReader<T> {
    const entry = this.entries.get(path);
    if (!entry) throw new Error(`no controller watches ${path}`);
    return entry.informer as unknown as Informer<T>;
  }

  get synced(): boolean {
    return [...this.entries.values()].every((e) => e.informer.hasSynced);
  }

  async start(): Promise<void> {
    for (const e of this.entries.values()) e.informer.start();
    await Promise.all([...this.entries.values()].map((e) => e.informer.waitForSync()));
  }

  stop(): void {
    for (const e of this.entries.values()) e.informer.stop();
  }
}
