import { ensurePulumiCli } from '../../e2e/testenv/pulumi-cli.ts';
import { runtimeConfigFromEnv } from './config.ts';
import { createRuntimeComponent, type RuntimeComponent } from './runtime-component.ts';

/** The runtime component as the controller runs it: settings from the environment, the cached pulumi CLI. */
export async function runtimeComponentFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RuntimeComponent> {
  return createRuntimeComponent(runtimeConfigFromEnv(env, await ensurePulumiCli()));
}
