export interface ReconcileResult {
  /** Run again after this long even without a change (e.g. an expiry, a deployment in progress). */
  requeueAfterMs?: number;
}

export interface Reconciler {
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult>;
}
