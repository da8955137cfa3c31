import { randomUUID } from 'node:crypto';

export type DeploymentStatus = 'QUEUED' | 'BUILDING' | 'DEPLOYING' | 'SUCCESS' | 'FAILED' | 'CRASHED' | 'REMOVED';

export interface ProjectRecord {
  id: string;
  name: string;
  description: string | null;
  environmentId: string;
  createdAt: string;
}

export interface ServiceRecord {
  id: string;
  projectId: string;
  name: string;
  image: string | null;
  numReplicas: number;
  region: string | null;
  healthcheckPath: string | null;
  healthcheckTimeout: number | null;
  restartPolicyType: string;
  restartPolicyMaxRetries: number;
  createdAt: string;
}

export interface DomainRecord {
  id: string;
  projectId: string;
  serviceId: string;
  environmentId: string;
  domain: string;
}

export interface DeploymentRecord {
  id: string;
  projectId: string;
  serviceId: string;
  environmentId: string;
  /** Statuses the deployment goes through, one per progression step, e.g. QUEUED .. SUCCESS. */
  sequence: DeploymentStatus[];
  removed: boolean;
  /** Variables and image the deployment was made with. */
  image: string | null;
  variables: Record<string, string>;
  diagnosis: { summary: string } | null;
  createdAt: string;
}

/** The in-memory world of the local Railway server. */
/** The status of a deployment `elapsedMs` after it started, with `stepMs` per step (0: at once). */
export function deploymentStatus(d: DeploymentRecord, stepMs: number, now = Date.now()): DeploymentStatus {
  if (d.removed) return 'REMOVED';
  const steps = stepMs <= 0 ? Number.POSITIVE_INFINITY : Math.floor((now - Date.parse(d.createdAt)) / stepMs);
  return d.sequence[Math.min(steps, d.sequence.length - 1)] as DeploymentStatus;
}

export class RailwayState {
  readonly projects = new Map<string, ProjectRecord>();
  readonly services = new Map<string, ServiceRecord>();
  /** `${serviceId}` -> variables (one environment per project here). */
  readonly variables = new Map<string, Record<string, string>>();
  readonly domains = new Map<string, DomainRecord>();
  readonly deployments = new Map<string, DeploymentRecord>();

  newId(): string {
    return randomUUID();
  }

  servicesOf(projectId: string): ServiceRecord[] {
    return [...this.services.values()].filter((s) => s.projectId === projectId);
  }

  domainsOf(serviceId: string): DomainRecord[] {
    return [...this.domains.values()].filter((d) => d.serviceId === serviceId);
  }

  latestDeployment(serviceId: string): DeploymentRecord | undefined {
    return [...this.deployments.values()].filter((d) => d.serviceId === serviceId).at(-1);
  }

  /** Removes a service with its domains and variables, as Railway does. */
  deleteService(id: string): boolean {
    if (!this.services.delete(id)) return false;
    this.variables.delete(id);
    for (const d of this.domainsOf(id)) this.domains.delete(d.id);
    for (const d of this.deployments.values()) if (d.serviceId === id) d.removed = true;
    return true;
  }

  deleteProject(id: string): boolean {
    if (!this.projects.delete(id)) return false;
    for (const s of this.servicesOf(id)) this.deleteService(s.id);
    return true;
  }
}
