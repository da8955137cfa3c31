import { createHmac } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { Domain, Project, Service } from './railway/resources.ts';

/** Everything the stack of one department is built from. */
export interface RuntimeInputs {
  department: string;
  displayName: string;
  image: string;
  replicas: number;
  region?: string | undefined;
  /** Environment of the voice agent; every value is stored as a Pulumi secret. */
  env: Record<string, string>;
}

// The SDK records the JavaScript call site of every resource registration (file URLs of this install) in the
// stack's state; that ties state to one install directory and says nothing a user needs. Record none.
(pulumi.Resource as unknown as { stackTrace: () => [] }).stackTrace = () => [];

export const SERVICE_NAME = 'voice-agent';
export const AGENT_PORT = 8080;

export function projectNameFor(department: string): string {
  return `aio-${department}-prod`;
}

/** The inline Pulumi program for one department: project, voice-agent service, domain. */
export function runtimeProgram(inputs: RuntimeInputs, inputsDigest: string): pulumi.automation.PulumiFn {
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
    return {
      projectId: project.id,
      environmentId: project.environmentId,
      serviceId: service.id,
      deploymentId: service.deploymentId,
      domain: domain.domain,
      inputsDigest,
    };
  };
}

/**
 * A keyed digest of the inputs, kept as a stack output so a resync can tell "inputs changed" (up) from
 * "nothing changed" (refresh and preview). Keyed with the state passphrase, so it reveals nothing of the secrets.
 */
export function digestInputs(inputs: RuntimeInputs, key: string): string {
  const sorted = {
    ...inputs,
    env: Object.fromEntries(Object.entries(inputs.env).sort(([a], [b]) => a.localeCompare(b))),
  };
  return createHmac('sha256', key).update(JSON.stringify(sorted)).digest('hex');
}
