import * as pulumi from '@pulumi/pulumi';
import type { RuntimeInputs } from './inputs.ts';
import { Domain, Project, Service } from './railway/resources.ts';

// The SDK records the JavaScript call site of every resource registration (file URLs of this install) in the
// stack's state; that ties state to one install directory and says nothing a user needs. Record none.
(pulumi.Resource as unknown as { stackTrace: () => [] }).stackTrace = () => [];

export const SERVICE_NAME = 'voice-agent';
export const AGENT_PORT = 8080;

export function projectNameFor(department: string): string {
  return `aio-${department}-prod`;
}

/**
 * The inline Pulumi program for one department: project, voice-agent service, domain. `onResolved` gets the
 * stack's outputs in this process once all of them are known (an update's result).
 */
export function runtimeProgram(
  inputs: RuntimeInputs,
  inputsDigest: string,
  onResolved?: (outputs: Record<string, string>) => void,
): pulumi.automation.PulumiFn {
  return async () => {
    const project = new Project('project', {
      name: projectNameFor(inputs.department),
      description: `AIO Voice Assistant for ${inputs.displayName}`,
    });
    const service = new Service('voice-agent', {
      projectId: project.id,
      environmentId: project.environmentId,
      name: SERVICE_NAME,
      image: inputs.image,
      replicas: inputs.replicas,
      ...(inputs.region ? { region: inputs.region } : {}),
      healthcheckPath: '/health',
      variables: pulumi.secret(inputs.env),
    });
    const domain = new Domain('domain', {
      projectId: project.id,
      environmentId: project.environmentId,
      serviceId: service.id,
      targetPort: AGENT_PORT,
    });
    const outputs = {
      projectId: project.id,
      environmentId: project.environmentId,
      serviceId: service.id,
      deploymentId: service.deploymentId,
      domain: domain.domain,
      inputsDigest,
    };
    if (onResolved) pulumi.all(outputs).apply(onResolved);
    return outputs;
  };
}
