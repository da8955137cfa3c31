/** Why an engine run was started: what the condition says while it runs and what is announced when it ends. */
export type OperationKind = 'create' | 'update' | 'repair' | 'check';

/** Told when an engine run ends: what it was, whether it failed, and how long it took (federation_engine_runs_total). */
export type EngineRunObserver = (kind: OperationKind | 'delete', result: 'success' | 'error', seconds: number) => void;

export interface Operation<T> {
  kind: OperationKind;
  /** Digest of the inputs the run converges to (a newer spec waits for the run and then starts its own). */
  digest: string;
  startedAt: number;
  done: boolean;
  value?: T;
  error?: unknown;
}

/**
 * Long engine runs as tracked operations (as the Pulumi Kubernetes Operator and Crossplane treat async external
 * work): a reconcile starts one and returns at once; later reconciles observe it; its end asks for the next
 * reconcile, which takes the result. One operation per department at a time; the stacks serialise per stack too.
 */
export class Operations<T> {
  private readonly ops = new Map<string, Operation<T>>();
  private readonly running = new Set<Promise<void>>();
  private notify: (department: string) => void = () => {};

  constructor(private readonly observe: EngineRunObserver = () => {}) {}

  /** Who to tell when an operation ends (the work queue: the department is reconciled to take the result). */
  onDone(notify: (department: string) => void): void {
    this.notify = notify;
  }

  get(department: string): Operation<T> | undefined {
    return this.ops.get(department);
  }

  /** Removes and returns a finished operation (its result is handled once). */
  take(department: string): Operation<T> | undefined {
    const op = this.ops.get(department);
    if (!op?.done) return undefined;
    this.ops.delete(department);
    return op;
  }

  /** Forgets a finished operation (a delete supersedes it) or refuses while one runs. */
  forget(department: string): boolean {
    const op = this.ops.get(department);
    if (op && !op.done) return false;
    this.ops.delete(department);
    return true;
  }

  start(department: string, kind: OperationKind, digest: string, run: () => Promise<T>): Operation<T> {
    const op: Operation<T> = { kind, digest, startedAt: Date.now(), done: false };
    this.ops.set(department, op);
    const finished = run()
      .then(
        (value) => {
          op.value = value;
          this.observe(kind, 'success', (Date.now() - op.startedAt) / 1000);
        },
        (error: unknown) => {
          op.error = error;
          this.observe(kind, 'error', (Date.now() - op.startedAt) / 1000);
        },
      )
      .finally(() => {
        op.done = true;
        this.running.delete(finished);
        this.notify(department);
      });
    this.running.add(finished);
    return op;
  }

  /** Waits for the running operations, at most `deadlineMs` (shutdown: an engine run finishes or is stopped). */
  async drain(deadlineMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), deadlineMs);
    });
    const all = Promise.all([...this.running]).then(() => true);
    const finished = await Promise.race([all, deadline]);
    clearTimeout(timer);
    return finished;
  }
}
