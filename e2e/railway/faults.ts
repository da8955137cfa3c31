export interface HttpFault {
  status: number;
  /** Seconds, sent as Retry-After (429 by default sends 1). */
  retryAfterSeconds?: number;
  /** Only requests for this operation name fail; any operation when unset. */
  operationName?: string;
}

/** Fault injection for the local Railway server; tests change it while the server runs. */
export class RailwayFaults {
  /** Delay before every answer. */
  latencyMs = 0;
  /** Deployment progression: ms per status step (QUEUED -> BUILDING -> DEPLOYING -> SUCCESS). */
  deploymentStepMs = 0;
  /** Requests are held open, never answered and never applied (a Railway that hangs). */
  hang = false;
  /** Fraction (0..1) of requests answered 503, for storms. */
  errorRate = 0;
  /** Fraction (0..1) of requests answered 429 with Retry-After: 1. */
  rateLimitRate = 0;
  private readonly queue: HttpFault[] = [];
  private failingDeployments: { count: number; status: 'FAILED' | 'CRASHED'; summary: string } | undefined;

  /** The next `count` matching requests fail with `fault`. */
  failNext(count: number, fault: HttpFault): void {
    for (let i = 0; i < count; i++) this.queue.push(fault);
  }

  /** The next `count` deployments end in `status` instead of SUCCESS. */
  failNextDeployments(count: number, status: 'FAILED' | 'CRASHED', summary: string): void {
    this.failingDeployments = { count, status, summary };
  }

  reset(): void {
    this.latencyMs = 0;
    this.hang = false;
    this.deploymentStepMs = 0;
    this.errorRate = 0;
    this.rateLimitRate = 0;
    this.queue.length = 0;
    this.failingDeployments = undefined;
  }

  /** The HTTP fault for this request, if any. */
  takeHttpFault(operationName: string | undefined): HttpFault | undefined {
    const index = this.queue.findIndex((f) => !f.operationName || f.operationName === operationName);
    if (index >= 0) return this.queue.splice(index, 1)[0];
    if (Math.random() < this.rateLimitRate) return { status: 429, retryAfterSeconds: 1 };
    if (Math.random() < this.errorRate) return { status: 503 };
    return undefined;
  }

  /** How the next deployment ends. */
  takeDeploymentOutcome(): { status: 'SUCCESS' | 'FAILED' | 'CRASHED'; summary?: string } {
    const f = this.failingDeployments;
    if (!f || f.count <= 0) return { status: 'SUCCESS' };
    f.count--;
    return { status: f.status, summary: f.summary };
  }
}
