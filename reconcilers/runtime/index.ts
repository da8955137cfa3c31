export { Reason, RUNTIME_DRIFTED, RUNTIME_READY } from './conditions.ts';
export { type PulumiCliLocation, type RuntimeConfig, runtimeConfigFromEnv } from './config.ts';
export { runtimeComponentFromEnv } from './from-env.ts';
export { createRuntimeComponent, type RuntimeComponent } from './runtime-component.ts';
