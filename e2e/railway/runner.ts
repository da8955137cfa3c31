import { setPriority } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from '../testenv/managed-process.ts';
import { freePort } from '../testenv/ports.ts';
import type { Watchdog } from '../testenv/watchdog.ts';
import { type EdgeCertificate, ServiceEdge } from './edge.ts';
import {
  type DeploymentRecord,
  type DeploymentStatus,
  deploymentStatus,
  type RailwayState,
  type ServiceRecord,
} from './state.ts';
import { STUB_IMAGE, StubContainers } from './stub-container.ts';

export interface AgentRunnerOptions {
  /** Which images are the agent image (others deploy as before: statuses only, no process). */
  matches(image: string | null): boolean;
  /**
   * Images served by the stub container besides federation-stub-agent (tests whose subject is not the voice agent:
   * the GitOps test deploys the shipped Departments, which name the release image, without running an agent each).
   */
  stubs?: RegExp;
  /** The built agent's entry (resolved when the first deployment starts). */
  main: () => Promise<string>;
  cert: EdgeCertificate;
  /** Where each deployment's log goes. */
  logDir: string;
  watchdog: Watchdog;
  /** Wait before restarting a process that exited (restart policy ON_FAILURE); default 2 s. */
  restartDelayMs?: number;
  /** How long a deployment may take to answer its health check; default 120 s. */
  healthTimeoutMs?: number;
  /** Added to every process's environment (under the service's variables). */
  env?: Record<string, string>;
  /**
   * Scheduling niceness of each agent process (and of what it starts): the local platform runs the agents below
   * its own servers, so that agents brought back at start do not slow the start down on a few cores.
   */
  nice?: number;
}

interface Instance {
  deployment: DeploymentRecord;
  service: ServiceRecord;
  process?: ManagedProcess;
  port?: number;
  restarts: number;
  /** Set when the deployment was replaced or removed: its exit is expected. */
  retired: boolean;
}

/**
 * The local equivalent of Railway's containers: a deployment of the agent image starts the built agent as a
 * process with the service's variables (PORT is the process's own, as each container has its own network),
 * becomes SUCCESS when its health check answers (FAILED with its last log lines if it exits first), replaces the
 * service's previous deployment, is restarted when it exits (ON_FAILURE, up to the service's retries; CRASHED
 * after), and is reachable at the service's domain through an HTTPS edge.
 */
export class AgentRunner {
  private readonly stubs = new StubContainers();
  private stubsStarted: Promise<void> | undefined;
  private readonly edges = new Map<string, Promise<ServiceEdge>>();
  private readonly instances = new Map<string, Instance>();
  private readonly statuses = new Map<string, DeploymentStatus>();
  private readonly active = new Map<string, Instance>();

  constructor(private readonly opts: AgentRunnerOptions) {}

  /** The service's domain: its edge's address. */
  async domainFor(serviceId: string): Promise<string> {
    let edge = this.edges.get(serviceId);
    if (!edge) {
      edge = ServiceEdge.start(this.opts.cert);
      this.edges.set(serviceId, edge);
    }
    return (await edge).domain;
  }

  /** The status of a deployment this runner runs, or undefined for one it does not. */
  status(deploymentId: string): DeploymentStatus | undefined {
    return this.statuses.get(deploymentId);
  }

  /** The process currently serving a service (tests kill it). */
  processOf(serviceId: string): ManagedProcess | undefined {
    return this.active.get(serviceId)?.process;
  }

  /**
   * After a restart from kept state: each agent service's edge listens again on the port its domain names, and
   * its latest successful deployment runs again (Railway keeps containers running across our restarts).
   */
  async resume(state: RailwayState, processesAfter?: Promise<unknown>): Promise<void> {
    for (const domain of state.domains.values()) {
      const port = Number(/^127\.0\.0\.1:(\d+)$/.exec(domain.domain)?.[1]);
      if (port && !this.edges.has(domain.serviceId))
        this.edges.set(domain.serviceId, ServiceEdge.start(this.opts.cert, port));
    }
    if (processesAfter) {
      // The processes come back later (npm start: once n8n serves): the edges keep their ports meanwhile.
      void processesAfter.then(
        () => this.resumeProcesses(state),
        () => {},
      );
      return;
    }
    this.resumeProcesses(state);
  }

  private resumeProcesses(state: RailwayState): void {
    for (const service of state.services.values()) {
      const latest = state.latestDeployment(service.id);
      if (latest && deploymentStatus(latest, 0) === 'SUCCESS') this.deploy(latest, service);
    }
  }

  deploy(deployment: DeploymentRecord, service: ServiceRecord): void {
    const image = deployment.image ?? '';
    if (STUB_IMAGE.test(image) || this.opts.stubs?.test(image)) return void this.serveStub(deployment, service);
    if (!this.opts.matches(deployment.image)) return;
    const instance: Instance = { deployment, service, restarts: 0, retired: false };
    this.instances.set(deployment.id, instance);
    this.statuses.set(deployment.id, 'DEPLOYING');
    void this.launch(instance).catch((error: Error) => this.fail(instance, error.message));
  }

  async removeService(serviceId: string): Promise<void> {
    const stops = [...this.instances.values()].filter((i) => i.service.id === serviceId).map((i) => this.retire(i));
    await Promise.all(stops);
    this.active.delete(serviceId);
    const edge = this.edges.get(serviceId);
    this.edges.delete(serviceId);
    await (await edge)?.stop();
  }

  /** A placeholder deployment (stub-container.ts): SUCCESS at once, its edge routed to the shared stub server. */
  private async serveStub(deployment: DeploymentRecord, service: ServiceRecord): Promise<void> {
    this.stubsStarted ??= this.stubs.start();
    await this.stubsStarted;
    this.statuses.set(deployment.id, 'SUCCESS');
    await this.domainFor(service.id);
    (await this.edges.get(service.id))?.route(this.stubs.port);
  }

  async stop(): Promise<void> {
    await this.stubs.stop();
    await Promise.all(
      [...new Set([...this.instances.values()].map((i) => i.service.id))].map((s) => this.removeService(s)),
    );
    await Promise.all([...this.edges.keys()].map((s) => this.removeService(s)));
  }

  private async launch(instance: Instance): Promise<void> {
    const { deployment, service } = instance;
    const port = await freePort();
    const name = `${service.name}-${deployment.id.slice(0, 8)}`;
    const proc = new ManagedProcess(
      name,
      process.execPath,
      [await this.opts.main()],
      join(this.opts.logDir, `${name}.log`),
      this.opts.watchdog,
      {
        PATH: process.env.PATH,
        ...this.opts.env,
        ...deployment.variables,
        // What Railway sets in every container, then the container's own port.
        RAILWAY_PROJECT_ID: deployment.projectId,
        RAILWAY_SERVICE_ID: service.id,
        RAILWAY_SERVICE_NAME: service.name,
        RAILWAY_DEPLOYMENT_ID: deployment.id,
        RAILWAY_ENVIRONMENT_NAME: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
      },
    );
    if (this.opts.nice) {
      try {
        setPriority(proc.pid, this.opts.nice);
      } catch {
        // not allowed here (or gone already): it runs at the normal priority
      }
    }
    instance.process = proc;
    instance.port = port;
    void proc.exitPromise.then((code) => this.exited(instance, proc, code));
    const path = service.healthcheckPath ?? '/';
    const deadline = Date.now() + (this.opts.healthTimeoutMs ?? 120_000);
    while (proc.running && !instance.retired) {
      const healthy = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (healthy) return this.serve(instance);
      if (Date.now() > deadline) {
        await proc.stop(5_000);
        return this.fail(instance, `healthcheck ${path} never answered: ${lastLines(proc)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The deployment answers: the edge routes to it, and the deployment it replaces is stopped. */
  private async serve(instance: Instance): Promise<void> {
    this.statuses.set(instance.deployment.id, 'SUCCESS');
    const previous = this.active.get(instance.service.id);
    this.active.set(instance.service.id, instance);
    (await this.edges.get(instance.service.id))?.route(instance.port);
    if (previous && previous !== instance) {
      this.statuses.set(previous.deployment.id, 'REMOVED');
      await this.retire(previous);
    }
  }

  private fail(instance: Instance, summary: string): void {
    this.statuses.set(instance.deployment.id, 'FAILED');
    instance.deployment.diagnosis = { summary: summary.slice(-500) };
  }

  private async exited(instance: Instance, proc: ManagedProcess, code: number | null): Promise<void> {
    if (instance.retired || instance.process !== proc) return;
    const status = this.statuses.get(instance.deployment.id);
    if (status === 'DEPLOYING') {
      return this.fail(instance, `exited (${code ?? 'killed'}) before its health check answered: ${lastLines(proc)}`);
    }
    if (status !== 'SUCCESS' || this.active.get(instance.service.id) !== instance) return;
    (await this.edges.get(instance.service.id))?.route(undefined);
    const { restartPolicyType, restartPolicyMaxRetries } = instance.service;
    if (code === 0 || restartPolicyType === 'NEVER' || instance.restarts >= restartPolicyMaxRetries) {
      this.statuses.set(instance.deployment.id, code === 0 ? 'REMOVED' : 'CRASHED');
      return;
    }
    instance.restarts++;
    await new Promise((r) => setTimeout(r, this.opts.restartDelayMs ?? 2_000));
    if (instance.retired) return;
    // Railway keeps the deployment SUCCESS while it restarts its container; the edge answers 502 meanwhile.
    await this.launch(instance).catch((error: Error) => this.fail(instance, error.message));
  }

  private async retire(instance: Instance): Promise<void> {
    instance.retired = true;
    if (this.statuses.get(instance.deployment.id) !== 'FAILED') this.statuses.set(instance.deployment.id, 'REMOVED');
    await instance.process?.stop(30_000);
  }
}

function lastLines(proc: ManagedProcess): string {
  return proc
    .logTail(5)
    .split('\n')
    .filter((l) => l.trim())
    .join(' | ');
}
