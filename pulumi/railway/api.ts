import { RailwayApiError, type RailwayClient } from './client.ts';

export interface RailwayProject {
  id: string;
  name: string;
  description: string | null;
  environmentId: string;
  services: { id: string; name: string }[];
}

export interface RailwayServiceInstance {
  serviceId: string;
  image: string | null;
  numReplicas: number | null;
  region: string | null;
  healthcheckPath: string | null;
  latestDeployment: { id: string; status: string } | null;
}

export interface RailwayDeployment {
  id: string;
  status: string;
  url: string | null;
  staticUrl: string | null;
  diagnosis: unknown;
}

export interface ServiceSettings {
  image: string;
  replicas: number;
  region?: string | undefined;
  healthcheckPath: string;
}

interface Edges<T> {
  edges: { node: T }[];
}

const nodes = <T>(c: Edges<T>) => c.edges.map((e) => e.node);

/** Resolves to undefined when Railway says the thing does not exist. */
async function orMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof RailwayApiError && e.notFound) return undefined;
    throw e;
  }
}

type RawProject = Omit<RailwayProject, 'environmentId' | 'services'> & {
  environments: Edges<{ id: string; name: string }>;
  services?: Edges<{ id: string; name: string }>;
};

function toProject(p: RawProject): RailwayProject {
  const envs = nodes(p.environments);
  const env = envs.find((e) => e.name === 'production') ?? envs[0];
  if (!env) throw new Error(`Railway project ${p.id} has no environment`);
  return { ...p, environmentId: env.id, services: p.services ? nodes(p.services) : [] };
}

/** The Railway operations the dynamic provider and the runtime component use, typed. */
export class RailwayApi {
  constructor(private readonly client: RailwayClient) {}

  async createProject(name: string, description: string): Promise<RailwayProject> {
    const r = await this.client.request<{ projectCreate: RawProject }>('project-create', {
      input: { name, description, defaultEnvironmentName: 'production' },
    });
    return toProject(r.projectCreate);
  }

  async findProjectByName(name: string): Promise<RailwayProject | undefined> {
    const r = await this.client.request<{ projects: Edges<{ id: string; name: string }> }>('projects', { first: 500 });
    const found = nodes(r.projects).find((p) => p.name === name);
    return found && this.getProject(found.id);
  }

  async getProject(id: string): Promise<RailwayProject | undefined> {
    const r = await orMissing(this.client.request<{ project: RawProject }>('project', { id }));
    return r && toProject(r.project);
  }

  async updateProject(id: string, name: string, description: string): Promise<void> {
    await this.client.request('project-update', { id, input: { name, description } });
  }

  async deleteProject(id: string): Promise<void> {
    await orMissing(this.client.request('project-delete', { id }));
  }

  async createService(projectId: string, environmentId: string, name: string, image: string): Promise<string> {
    const r = await this.client.request<{ serviceCreate: { id: string } }>('service-create', {
      input: { projectId, environmentId, name, source: { image } },
    });
    return r.serviceCreate.id;
  }

  async serviceExists(id: string): Promise<boolean> {
    return (await orMissing(this.client.request('service', { id }))) !== undefined;
  }

  async configureService(serviceId: string, environmentId: string, s: ServiceSettings): Promise<void> {
    await this.client.request('service-instance-update', {
      serviceId,
      environmentId,
      input: {
        source: { image: s.image },
        numReplicas: s.replicas,
        region: s.region ?? null,
        healthcheckPath: s.healthcheckPath,
        healthcheckTimeout: 5,
        restartPolicyType: 'ON_FAILURE',
        restartPolicyMaxRetries: 3,
      },
    });
  }

  async getServiceInstance(serviceId: string, environmentId: string): Promise<RailwayServiceInstance | undefined> {
    const r = await orMissing(
      this.client.request<{
        serviceInstance: Omit<RailwayServiceInstance, 'image'> & { source: { image: string | null } | null };
      }>('service-instance', { serviceId, environmentId }),
    );
    if (!r) return undefined;
    const { source, ...rest } = r.serviceInstance;
    return { ...rest, image: source?.image ?? null };
  }

  async replaceVariables(
    projectId: string,
    environmentId: string,
    serviceId: string,
    variables: Record<string, string>,
  ): Promise<void> {
    await this.client.request('variable-collection-upsert', {
      input: { projectId, environmentId, serviceId, variables, replace: true, skipDeploys: true },
    });
  }

  async getVariables(
    projectId: string,
    environmentId: string,
    serviceId: string,
  ): Promise<Record<string, string> | undefined> {
    const r = await orMissing(
      this.client.request<{ variables: Record<string, string> }>('variables', { projectId, environmentId, serviceId }),
    );
    if (!r) return undefined;
    // Railway adds its own RAILWAY_* variables; they are not ours to compare.
    return Object.fromEntries(Object.entries(r.variables).filter(([k]) => !k.startsWith('RAILWAY_')));
  }

  async deploy(serviceId: string, environmentId: string): Promise<string> {
    const r = await this.client.request<{ serviceInstanceDeployV2: string }>('service-instance-deploy', {
      serviceId,
      environmentId,
    });
    return r.serviceInstanceDeployV2;
  }

  async getDeployment(id: string): Promise<RailwayDeployment | undefined> {
    const r = await orMissing(this.client.request<{ deployment: RailwayDeployment }>('deployment', { id }));
    return r?.deployment;
  }

  async deleteService(id: string, environmentId: string): Promise<void> {
    await orMissing(this.client.request('service-delete', { id, environmentId }));
  }

  async createDomain(
    serviceId: string,
    environmentId: string,
    targetPort: number,
  ): Promise<{ id: string; domain: string }> {
    const r = await this.client.request<{ serviceDomainCreate: { id: string; domain: string } }>(
      'service-domain-create',
      { input: { serviceId, environmentId, targetPort } },
    );
    return r.serviceDomainCreate;
  }

  async listDomains(
    projectId: string,
    environmentId: string,
    serviceId: string,
  ): Promise<{ id: string; domain: string }[] | undefined> {
    const r = await orMissing(
      this.client.request<{ domains: { serviceDomains: { id: string; domain: string }[] } }>('domains', {
        projectId,
        environmentId,
        serviceId,
      }),
    );
    return r?.domains.serviceDomains;
  }

  async deleteDomain(id: string): Promise<void> {
    await orMissing(this.client.request('service-domain-delete', { id }));
  }
}
