import { runtimeConfigFromEnv } from './config.ts';
import { createRuntimeComponent, type RuntimeComponent } from './runtime-component.ts';
import { withSteadyState } from './steady-state.ts';

/**
 * The runtime component as the controller runs it, with its settings from the environment. Throws with what is
 * missing (the wiring turns that into a NotConfigured condition).
 */
export function runtimeComponentFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeComponent {
  const config = runtimeConfigFromEnv(env);
  return withSteadyState(createRuntimeComponent(config), config, config.recheckMs ?? 0);
}
