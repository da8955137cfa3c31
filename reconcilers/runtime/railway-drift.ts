import { AGENT_HEALTH_PATH } from '../../crds/agent.ts';
import type { RuntimeInputs } from '../../pulumi/inputs.ts';
import type { RailwayApi } from '../../pulumi/railway/api.ts';

/** Where the last update put the department's service (from Department.status, see crds/department.ts). */
export interface Applied {
  projectId: string;
  environmentId: string;
  serviceId: string;
  deploymentId: string;
  domain: string;
  inputsDigest: string;
}

/**
 * What differs between Railway and the inputs the stack was last updated with, read with two cheap queries
 * (the service instance and its variables) instead of an engine refresh and preview: one line per difference,
 * naming fields and variable keys, never values. Empty when Railway matches.
 */
export async function railwayDifferences(api: RailwayApi, applied: Applied, inputs: RuntimeInputs): Promise<string[]> {
  const [instance, variables] = await Promise.all([
    api.getServiceInstance(applied.serviceId, applied.environmentId),
    api.getVariables(applied.projectId, applied.environmentId, applied.serviceId),
  ]);
  if (!instance) return ['voice-agent (Service) is gone'];
  const differences: string[] = [];
  const fields: string[] = [];
  if ((instance.image ?? '') !== inputs.image) fields.push('image');
  if ((instance.numReplicas ?? 1) !== inputs.replicas) fields.push('replicas');
  if ((instance.region ?? undefined) !== (inputs.region ?? undefined) && inputs.region) fields.push('region');
  if ((instance.healthcheckPath ?? '') !== AGENT_HEALTH_PATH) fields.push('healthcheckPath');
  if (fields.length) differences.push(`voice-agent (Service) differs in ${fields.join(', ')}`);
  const actual = variables ?? {};
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(inputs.env)])].sort();
  const changed = keys.filter((k) => actual[k] !== inputs.env[k]);
  if (changed.length) differences.push(`voice-agent (Service) variables differ: ${changed.join(', ')}`);
  return differences;
}
