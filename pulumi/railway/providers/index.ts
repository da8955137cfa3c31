import { domainProvider } from './domain.ts';
import { projectProvider } from './project.ts';
import { serviceProvider } from './service.ts';

/** What the dynamic-provider process loads; keyed by the kind the serialized shim names. */
export const providers = {
  project: projectProvider,
  service: serviceProvider,
  domain: domainProvider,
};

export type ProviderKind = keyof typeof providers;
