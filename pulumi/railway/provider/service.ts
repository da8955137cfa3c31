import { changedKeys, gone, railwayFromEnv } from './env.ts';
import type { ResourceHandler } from './handler.ts';

export interface ServiceInputs {
  projectId: string;
  environmentId: string;
  name: string;
  image: string;
  replicas: number;
  region?: string;
  healthcheckPath: string;
  /** Secret: the engine keeps it encrypted in state. */
  variables: Record<string, string>;
}

export interface ServiceOutputs extends ServiceInputs {
  /** The deployment made by the last create or update. */
  deploymentId: string;
}

const KEYS: (keyof ServiceInputs)[] = ['name', 'image', 'replicas', 'region', 'healthcheckPath', 'variables'];

async function converge(id: string, inputs: ServiceInputs): Promise<string> {
  const api = railwayFromEnv();
  await api.configureService(id, inputs.environmentId, inputs);
  await api.replaceVariables(inputs.projectId, inputs.environmentId, id, inputs.variables);
  return api.deploy(id, inputs.environmentId);
}

/** Railway service from a Docker image, with its variables, replicas, region and health check. */
export const serviceHandler: ResourceHandler<ServiceInputs, ServiceOutputs> = {
  async create(inputs) {
    const api = railwayFromEnv();
    const project = await api.getProject(inputs.projectId);
    const existing = project?.services.find((s) => s.name === inputs.name);
    const id =
      existing?.id ?? (await api.createService(inputs.projectId, inputs.environmentId, inputs.name, inputs.image));
    const deploymentId = await converge(id, inputs);
    return { id, outs: { ...inputs, deploymentId } };
  },

  async read(id, props) {
    const api = railwayFromEnv();
    if (!props) return { id, props };
    const instance = await api.getServiceInstance(id, props.environmentId);
    const variables = instance && (await api.getVariables(props.projectId, props.environmentId, id));
    if (!instance || !variables) return gone();
    const actual: ServiceOutputs = {
      projectId: props.projectId,
      environmentId: props.environmentId,
      name: props.name,
      image: instance.image ?? '',
      replicas: instance.numReplicas ?? 1,
      ...(instance.region ? { region: instance.region } : {}),
      healthcheckPath: instance.healthcheckPath ?? '',
      variables,
      deploymentId: instance.latestDeployment?.id ?? props.deploymentId,
    };
    // Reporting what Railway has as the inputs too makes the next diff compare the program with reality.
    return { id, props: actual, inputs: actual };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds, news, ['projectId', 'environmentId']);
    const changes = changedKeys(olds, news, KEYS);
    return { changes: changes.length + replaces.length > 0, replaces, deleteBeforeReplace: true };
  },

  async update(id, _olds, news) {
    return { outs: { ...news, deploymentId: await converge(id, news) } };
  },

  async delete(id, props) {
    await railwayFromEnv().deleteService(id, props.environmentId);
  },
};
