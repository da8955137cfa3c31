import type { FaultPlatform } from './platform.ts';

export interface DepartmentEvent {
  type: string;
  reason: string;
  note: string;
  /** Repeats aggregated into this Event. */
  count: number;
}

/** The Events recorded on a Department (cluster-scoped, so in namespace default). */
export async function eventsOf(fp: FaultPlatform, name: string): Promise<DepartmentEvent[]> {
  const list = await fp.admin.get<{
    items: (Omit<DepartmentEvent, 'count'> & {
      regarding: { kind: string; name: string };
      series?: { count: number };
    })[];
  }>('/apis/events.k8s.io/v1/namespaces/default/events');
  return list.items
    .filter((e) => e.regarding.kind === 'Department' && e.regarding.name === name)
    .map(({ type, reason, note, series }) => ({ type, reason, note, count: series?.count ?? 1 }));
}
