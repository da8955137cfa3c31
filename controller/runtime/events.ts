import { randomBytes } from 'node:crypto';
import { FIELD_MANAGER } from '../../crds/names.ts';
import type { KubeApi } from './kube-api.ts';
import { paths } from './kube-api.ts';
import type { Logger } from './logger.ts';

export interface EventRecorder {
  /** Records a Kubernetes Event on the reconciled object (aggregated by reason). */
  event(type: 'Normal' | 'Warning', reason: string, note: string): Promise<void>;
}

export interface Regarding {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  namespace?: string;
}

interface SeriesState {
  name: string;
  namespace: string;
  count: number;
  lastWrite: number;
}

const CONTROLLER = 'federation.synrg.io/controller';
/** Repeats of the same event within this window update one Event's series instead of creating more. */
const AGGREGATE_WINDOW_MS = 10 * 60_000;

function microTime(d = new Date()): string {
  return d.toISOString().replace('Z', '000Z');
}

/** Records events.k8s.io/v1 Events, aggregating repeats into a series like client-go's recorder. */
export class EventSink {
  private readonly series = new Map<string, SeriesState>();

  constructor(
    private readonly client: KubeApi,
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  recorderFor(regarding: Regarding): EventRecorder {
    return { event: (type, reason, note) => this.record(regarding, type, reason, note) };
  }

  async record(regarding: Regarding, type: 'Normal' | 'Warning', reason: string, note: string): Promise<void> {
    const namespace = regarding.namespace ?? 'default';
    const key = `${regarding.uid}/${type}/${reason}/${note}`;
    const now = Date.now();
    const existing = this.series.get(key);
    try {
      if (existing && now - existing.lastWrite < AGGREGATE_WINDOW_MS) {
        existing.count++;
        existing.lastWrite = now;
        await this.client.mergePatch(
          paths.event(existing.namespace, existing.name),
          { series: { count: existing.count, lastObservedTime: microTime() } },
          FIELD_MANAGER,
        );
        return;
      }
      const name = `${regarding.name}.${now.toString(16)}${randomBytes(2).toString('hex')}`;
      await this.client.create(
        paths.events(namespace),
        {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name, namespace },
          eventTime: microTime(),
          reportingController: CONTROLLER,
          reportingInstance: this.instance,
          action: reason,
          reason,
          note: note.slice(0, 1024),
          type,
          regarding: {
            apiVersion: regarding.apiVersion,
            kind: regarding.kind,
            name: regarding.name,
            uid: regarding.uid,
            ...(regarding.namespace ? { namespace: regarding.namespace } : {}),
          },
        },
        FIELD_MANAGER,
      );
      this.series.set(key, { name, namespace, count: 1, lastWrite: now });
      this.prune(now);
    } catch (err) {
      // An Event is best-effort by design (as in client-go): losing one must not fail a reconcile.
      this.log.warn('could not record event', { reason, error: String(err) });
    }
  }

  private prune(now: number): void {
    if (this.series.size < 10_000) return;
    for (const [k, s] of this.series) if (now - s.lastWrite > AGGREGATE_WINDOW_MS) this.series.delete(k);
  }
}
