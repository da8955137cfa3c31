import { changedKeys, gone, railwayFromEnv } from './env.ts';
import type { ResourceHandler } from './handler.ts';

export interface DomainInputs {
  projectId: string;
  environmentId: string;
  serviceId: string;
  targetPort: number;
}

export interface DomainOutputs extends DomainInputs {
  domain: string;
}

/** A Railway-generated domain (`*.up.railway.app`) for a service. */
export const domainHandler: ResourceHandler<DomainInputs, DomainOutputs> = {
  async create(inputs) {
    const api = railwayFromEnv();
    const existing = await api.listDomains(inputs.projectId, inputs.environmentId, inputs.serviceId);
    const domain = existing?.[0] ?? (await api.createDomain(inputs.serviceId, inputs.environmentId, inputs.targetPort));
    return { id: domain.id, outs: { ...inputs, domain: domain.domain } };
  },

  async read(id, props) {
    if (!props) return { id, props };
    const domains = await railwayFromEnv().listDomains(props.projectId, props.environmentId, props.serviceId);
    const found = domains?.find((d) => d.id === id);
    if (!found) return gone();
    return { id, props: { ...props, domain: found.domain } };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds, news, ['projectId', 'environmentId', 'serviceId', 'targetPort']);
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
  },

  async delete(id) {
    await railwayFromEnv().deleteDomain(id);
  },
};
