import type { RailwayFaults } from './faults.ts';
import type { AgentRunner } from './runner.ts';
import {
  type DeploymentRecord,
  deploymentStatus,
  type ProjectRecord,
  type RailwayState,
  type ServiceRecord,
} from './state.ts';

// biome-ignore lint/suspicious/noExplicitAny: graphql-js validated the arguments against Railway's schema.
type Args = Record<string, any>;

function notFound(what: string): never {
  throw new Error(`${what} not found`);
}

function connection<T>(nodes: T[]) {
  return {
    edges: nodes.map((node) => ({ node, cursor: '' })),
    pageInfo: { hasNextPage: false, hasPreviousPage: false },
  };
}

/** Root resolvers for the operations the provider uses, shaped as graphql-js root values. */
export function createRootValue(
  state: RailwayState,
  faults: RailwayFaults,
  runner?: AgentRunner,
): Record<string, unknown> {
  const projectView = (p: ProjectRecord) => ({
    ...p,
    environments: () => connection([{ id: p.environmentId, name: 'production' }]),
    services: () => connection(state.servicesOf(p.id).map((s) => ({ id: s.id, name: s.name }))),
  });
  const deploymentView = (d: DeploymentRecord) => {
    const domain = state.domainsOf(d.serviceId)[0]?.domain ?? null;
    const status = runner?.status(d.id) ?? deploymentStatus(d, faults.deploymentStepMs);
    return { ...d, status, url: domain && `https://${domain}`, staticUrl: domain };
  };
  const instanceView = (s: ServiceRecord, environmentId: string) => {
    const latest = state.latestDeployment(s.id);
    return {
      id: `${s.id}:${environmentId}`,
      serviceId: s.id,
      environmentId,
      source: s.image ? { image: s.image, repo: null } : null,
      numReplicas: s.numReplicas,
      region: s.region,
      healthcheckPath: s.healthcheckPath,
      latestDeployment: latest ? deploymentView(latest) : null,
    };
  };
  const service = (id: string) => state.services.get(id) ?? notFound('Service');
  const project = (id: string) => state.projects.get(id) ?? notFound('Project');

  return {
    projectCreate: ({ input }: Args) => {
      const p: ProjectRecord = {
        id: state.newId(),
        name: input.name ?? 'unnamed',
        description: input.description ?? null,
        environmentId: state.newId(),
        createdAt: new Date().toISOString(),
      };
      state.projects.set(p.id, p);
      return projectView(p);
    },
    projectUpdate: ({ id, input }: Args) => {
      const p = project(id);
      if (input.name != null) p.name = input.name;
      if (input.description !== undefined) p.description = input.description;
      return projectView(p);
    },
    projectDelete: ({ id }: Args) => {
      for (const s of state.servicesOf(id)) void runner?.removeService(s.id);
      return state.deleteProject(id) || notFound('Project');
    },
    project: ({ id }: Args) => projectView(project(id)),
    projects: () => connection([...state.projects.values()].map(projectView)),
    serviceCreate: ({ input }: Args) => {
      project(input.projectId);
      const s: ServiceRecord = {
        id: state.newId(),
        projectId: input.projectId,
        name: input.name ?? 'service',
        image: input.source?.image ?? null,
        numReplicas: 1,
        region: null,
        healthcheckPath: null,
        healthcheckTimeout: null,
        restartPolicyType: 'ON_FAILURE',
        restartPolicyMaxRetries: 10,
        createdAt: new Date().toISOString(),
      };
      state.services.set(s.id, s);
      state.variables.set(s.id, { ...(input.variables ?? {}) });
      return s;
    },
    serviceDelete: ({ id }: Args) => {
      void runner?.removeService(id);
      return state.deleteService(id) || notFound('Service');
    },
    service: ({ id }: Args) => service(id),
    serviceInstance: ({ serviceId, environmentId }: Args) => instanceView(service(serviceId), environmentId),
    serviceInstanceUpdate: ({ serviceId, input }: Args) => {
      const s = service(serviceId);
      if (input.source !== undefined) s.image = input.source?.image ?? null;
      if (input.numReplicas != null) s.numReplicas = input.numReplicas;
      if (input.region !== undefined) s.region = input.region;
      if (input.healthcheckPath !== undefined) s.healthcheckPath = input.healthcheckPath;
      if (input.healthcheckTimeout !== undefined) s.healthcheckTimeout = input.healthcheckTimeout;
      if (input.restartPolicyType != null) s.restartPolicyType = input.restartPolicyType;
      if (input.restartPolicyMaxRetries != null) s.restartPolicyMaxRetries = input.restartPolicyMaxRetries;
      return true;
    },
    variableCollectionUpsert: ({ input }: Args) => {
      service(input.serviceId);
      const current = input.replace ? {} : (state.variables.get(input.serviceId) ?? {});
      state.variables.set(input.serviceId, { ...current, ...input.variables });
      return true;
    },
    variables: ({ serviceId }: Args) => ({ ...(state.variables.get(serviceId) ?? notFound('Service')) }),
    serviceInstanceDeployV2: ({ serviceId, environmentId }: Args) => {
      const s = service(serviceId);
      const outcome = faults.takeDeploymentOutcome();
      const d: DeploymentRecord = {
        id: state.newId(),
        projectId: s.projectId,
        serviceId,
        environmentId,
        sequence: ['QUEUED', 'BUILDING', 'DEPLOYING', outcome.status],
        removed: false,
        image: s.image,
        variables: { ...(state.variables.get(serviceId) ?? {}) },
        diagnosis: outcome.summary ? { summary: outcome.summary } : null,
        createdAt: new Date().toISOString(),
      };
      state.deployments.set(d.id, d);
      runner?.deploy(d, s);
      return d.id;
    },
    deployment: ({ id }: Args) => deploymentView(state.deployments.get(id) ?? notFound('Deployment')),
    serviceDomainCreate: async ({ input }: Args) => {
      const s = service(input.serviceId);
      const p = project(s.projectId);
      const d = {
        id: state.newId(),
        projectId: s.projectId,
        serviceId: s.id,
        environmentId: input.environmentId,
        // With a runner the domain is the service's local HTTPS edge, so https://<domain> reaches the agent.
        domain: runner ? await runner.domainFor(s.id) : `${p.name}-${s.name}-${s.id.slice(0, 6)}.up.railway.app`,
      };
      state.domains.set(d.id, d);
      return d;
    },
    serviceDomainDelete: ({ id }: Args) => state.domains.delete(id) || notFound('Domain'),
    domains: ({ serviceId }: Args) => {
      service(serviceId);
      return { serviceDomains: state.domainsOf(serviceId), customDomains: [] };
    },
  };
}
