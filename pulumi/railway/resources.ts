import * as pulumi from '@pulumi/pulumi';
import { RESOURCE_TYPES } from './types.ts';

// Custom resources of the `railway` package: the engine serves them with the pulumi-resource-railway plugin.

export interface ProjectArgs {
  name: pulumi.Input<string>;
  description: pulumi.Input<string>;
}

export class Project extends pulumi.CustomResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly environmentId: pulumi.Output<string>;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(RESOURCE_TYPES.Project, name, { ...args, environmentId: undefined }, opts);
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

export class Service extends pulumi.CustomResource {
  declare readonly deploymentId: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      RESOURCE_TYPES.Service,
      name,
      { ...args, deploymentId: undefined },
      { ...opts, additionalSecretOutputs: ['variables'] },
    );
  }
}

export interface DomainArgs {
  projectId: pulumi.Input<string>;
  environmentId: pulumi.Input<string>;
  serviceId: pulumi.Input<string>;
  targetPort: pulumi.Input<number>;
}

export class Domain extends pulumi.CustomResource {
  declare readonly domain: pulumi.Output<string>;

  constructor(name: string, args: DomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(RESOURCE_TYPES.Domain, name, { ...args, domain: undefined }, opts);
  }
}
