import * as pulumi from '@pulumi/pulumi';
import { providerShim } from './shim.ts';

const projectShim = providerShim('project');
const serviceShim = providerShim('service');
const domainShim = providerShim('domain');

export interface ProjectArgs {
  name: pulumi.Input<string>;
  description: pulumi.Input<string>;
}

export class Project extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly environmentId: pulumi.Output<string>;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(projectShim, name, { ...args, environmentId: undefined }, opts, 'railway', 'Project');
  }
}

export interface ServiceArgs {
  projectId: pulumi.Input<string>;
  environmentId: pulumi.Input<string>;
  name: pulumi.Input<string>;
  image: pulumi.Input<string>;
  replicas: pulumi.Input<number>;
  region?: pulumi.Input<string>;
  healthcheckPath: pulumi.Input<string>;
  /** Environment variables; pass a secret Output, it is stored encrypted. */
  variables: pulumi.Input<Record<string, string>>;
}

export class Service extends pulumi.dynamic.Resource {
  declare readonly deploymentId: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      serviceShim,
      name,
      { ...args, deploymentId: undefined },
      { ...opts, additionalSecretOutputs: ['variables'] },
      'railway',
      'Service',
    );
  }
}

export interface DomainArgs {
  projectId: pulumi.Input<string>;
  environmentId: pulumi.Input<string>;
  serviceId: pulumi.Input<string>;
  targetPort: pulumi.Input<number>;
}

export class Domain extends pulumi.dynamic.Resource {
  declare readonly domain: pulumi.Output<string>;

  constructor(name: string, args: DomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(domainShim, name, { ...args, domain: undefined }, opts, 'railway', 'Domain');
  }
}
