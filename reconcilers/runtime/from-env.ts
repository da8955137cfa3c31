import { createRuntimeComponent, type RuntimeComponent } from './component.ts';
import { runtimeConfigFromEnv } from './config.ts';
import type { EngineRunObserver } from './operations.ts';

/**
 * The runtime component as the controller runs it, with its settings from the environment. Throws with what is
 * missing (the wiring turns that into a SettingsMissing condition).
 */
export function runtimeComponentFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  hooks: { onEngineRun?: EngineRunObserver } = {},
): RuntimeComponent {
  return createRuntimeComponent(runtimeConfigFromEnv(env), hooks);
}
